using Autopack.Domain.Runs;
using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>A run in GET /runs: status by its SPEC name, progress through phases, tokens used against the cap.</summary>
public sealed record RunView(
    string RunId,
    string Status,
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
    public static RunView From(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunView(
            run.RunId, run.Status.ToName(), run.Goal, run.TokenCap, run.TokensUsed, run.PhasesTotal, run.PhasesComplete,
            run.CreatedAt, run.StartedAt, run.FinishedAt, run.FailureReason);
    }
}
