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

    /// <summary>The plan's <c>scope</c> globs as a JSON array; null: the whole worktree.</summary>
    public string? Scope { get; set; }

    public int MaxTurns { get; set; } = 30;

    /// <summary>The plan's <c>offline_edits</c> as a JSON array; null: none.</summary>
    public string? OfflineEdits { get; set; }

    /// <summary>The commit an approved phase became on the run branch.</summary>
    public string? CommitSha { get; set; }

    /// <summary>The plan's <c>builder.command</c>: an external agent builds this phase; null: the built-in agent loop.</summary>
    public string? BuilderCommand { get; set; }

    /// <summary>The plan's <c>builder.timeout_seconds</c>; null: <c>BuilderPlan.DefaultTimeoutSeconds</c>.</summary>
    public int? BuilderTimeoutSeconds { get; set; }

    /// <summary>The plan's <c>models</c> as a JSON array (attempt N uses the Nth, later ones the last); null: the provider's model.</summary>
    public string? Models { get; set; }
}
