using Autopack.Domain.Runs;

namespace Autopack.Storage.Runs;

/// <summary>A run as the runs list shows it: status, progress through phases, tokens used against the cap.</summary>
public sealed record RunSummary(
    string RunId,
    RunStatus Status,
    string Goal,
    long TokenCap,
    long TokensUsed,
    int PhasesTotal,
    int PhasesComplete,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? FailureReason);
