using Autopack.Domain.Runs;
using Autopack.Storage.Entities;

namespace Autopack.Storage.Runs;

/// <summary>
/// A run as the runs list shows it: status, progress through phases, tokens used against the cap. The API sends it
/// as it is (GET /runs) and extends it with the tiers, phases and commits of one run (GET /runs/{run_id}), so these
/// fields are listed once.
/// </summary>
public record RunSummary(
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
    string? FailureReason)
{
    /// <summary>The summary of a run read with its phases.</summary>
    public static RunSummary Of(RunRow run, long tokensUsed)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunSummary(
            run.RunId, run.Status, run.Goal, run.TokenCap, tokensUsed, run.Phases.Count, run.Phases.Count(p => p.Status == PhaseStatus.Complete),
            run.CreatedAt, run.StartedAt, run.FinishedAt, run.FailureReason);
    }
}
