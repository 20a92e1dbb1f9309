using Autopack.Domain.Runs;

namespace Autopack.Storage.Entities;

/// <summary>A row of <c>phases</c>. <see cref="Position"/> orders phases across the whole run.</summary>
public sealed class PhaseRow
{
    public required string PhaseId { get; set; }

    public required string RunId { get; set; }

    public long TierId { get; set; }

    public TierRow? Tier { get; set; }

    public required string PhaseName { get; set; }

    public int Position { get; set; }

    public string? Category { get; set; }

    public string? Complexity { get; set; }

    public required string Goal { get; set; }

    public required string Provider { get; set; }

    public string? Verify { get; set; }

    public int? VerifyTimeoutSeconds { get; set; }

    public int OfflineRejections { get; set; }

    public PhaseStatus Status { get; set; }

    public long TokenCap { get; set; }

    public int Attempts { get; set; }

    public int MaxAttempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? FailureReason { get; set; }
}
