using System.Text.Json.Serialization;
using Autopack.Storage.Entities;
using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>
/// GET /runs/{run_id} and the body of a 201 from POST /runs: the run's summary (as GET /runs lists it) with its tiers
/// and phases, its repository, branch and the commits its approved phases became (oldest first). Its own fields come
/// after the summary's on the wire (<see cref="JsonPropertyOrderAttribute"/>), as they did when it listed them all.
/// </summary>
public sealed record RunDetailView : RunSummary
{
    private RunDetailView(RunSummary summary, IReadOnlyList<TierView> tiers, string? repository, string? baseCommit, string? branch, IReadOnlyList<CommitView> commits)
        : base(summary)
    {
        Tiers = tiers;
        Repository = repository;
        BaseCommit = baseCommit;
        Branch = branch;
        Commits = commits;
    }

    [JsonPropertyOrder(1)]
    public IReadOnlyList<TierView> Tiers { get; init; }

    [JsonPropertyOrder(1)]
    public string? Repository { get; init; }

    [JsonPropertyOrder(1)]
    public string? BaseCommit { get; init; }

    [JsonPropertyOrder(1)]
    public string? Branch { get; init; }

    [JsonPropertyOrder(1)]
    public IReadOnlyList<CommitView> Commits { get; init; }

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
            RunSummary.Of(run, tokensUsed), tiers, run.Repository, run.BaseCommit, run.Branch,
            run.Phases.Where(p => p.CommitSha is not null).OrderBy(p => p.Position).Select(p => new CommitView(p.CommitSha!, p.PhaseId, p.PhaseName)).ToList());
    }
}
