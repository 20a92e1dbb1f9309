using Autopack.Domain.Runs;

namespace Autopack.Storage.Entities;

/// <summary>A row of <c>runs</c>.</summary>
public sealed class RunRow
{
    public required string RunId { get; set; }

    public RunStatus Status { get; set; }

    public required string Goal { get; set; }

    public long TokenCap { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? FailureReason { get; set; }

    public List<TierRow> Tiers { get; set; } = [];

    public List<PhaseRow> Phases { get; set; } = [];
}
