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

    /// <summary>The run's git repository (absolute); null when the executor initialises an empty one for it.</summary>
    public string? Repository { get; set; }

    /// <summary>The full sha the run branch starts from; null until known for an initialised repository.</summary>
    public string? BaseCommit { get; set; }

    /// <summary><c>autopack/&lt;run-id&gt;</c>.</summary>
    public string? Branch { get; set; }

    public List<TierRow> Tiers { get; set; } = [];

    public List<PhaseRow> Phases { get; set; } = [];
}
