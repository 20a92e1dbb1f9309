using Autopack.Domain.Runs;
using Autopack.Storage.Entities;
using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>
/// GET /runs/{run_id} and the body of a 201 from POST /runs: the run with its tiers and phases, its repository,
/// branch and the commits its approved phases became (oldest first).
/// </summary>
public sealed record RunDetailView(
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
    string? FailureReason,
    IReadOnlyList<TierView> Tiers,
    string? Repository,
    string? BaseCommit,
    string? Branch,
    IReadOnlyList<CommitView> Commits)
{
    /// <summary>From the read path's plain-SQL detail (tokens from budget_totals).</summary>
    public static RunDetailView From(RunDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return From(detail.Run, detail.TokensUsed, phaseId => detail.PhaseTokensUsed.GetValueOrDefault(phaseId));
    }

    public static RunDetailView From(RunRow run, RunUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var used = usage.Phases.ToDictionary(p => p.PhaseId, p => p.TotalTokens, StringComparer.Ordinal);
        return From(run, usage.TotalTokens, phaseId => used.GetValueOrDefault(phaseId));
    }

    private static RunDetailView From(RunRow run, long tokensUsed, Func<string, long> phaseTokens)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tiers = run.Tiers.OrderBy(t => t.Position)
            .Select(t => new TierView(
                t.Name,
                t.Position,
                run.Phases.Where(p => p.TierId == t.TierId).OrderBy(p => p.Position)
                    .Select(p => PhaseView.From(p, t.Name, phaseTokens(p.PhaseId))).ToList()))
            .ToList();
        return new RunDetailView(
            run.RunId, run.Status.ToName(), run.Goal, run.TokenCap, tokensUsed, run.Phases.Count,
            run.Phases.Count(p => p.Status == PhaseStatus.Complete), run.CreatedAt, run.StartedAt, run.FinishedAt, run.FailureReason, tiers,
            run.Repository, run.BaseCommit, run.Branch,
            run.Phases.Where(p => p.CommitSha is not null).OrderBy(p => p.Position).Select(p => new CommitView(p.CommitSha!, p.PhaseId, p.PhaseName)).ToList());
    }
}
