using Autopack.Domain.Plans;

namespace Autopack.Testing;

/// <summary>Builds test plans: <c>new PlanBuilder("r1").Phase("p1").Phase("p2", cap: 1000).Build()</c>.</summary>
public sealed class PlanBuilder(string? runId = null, long? runCap = null)
{
    private readonly List<(string Tier, PhasePlan Phase)> phases = [];
    private string tier = "tier-1";
    private WorkspacePlan? workspace;

    public PlanBuilder Workspace(string? repository, string? baseRef = null)
    {
        workspace = new WorkspacePlan(repository, baseRef);
        return this;
    }

    public PlanBuilder Tier(string name)
    {
        tier = name;
        return this;
    }

    public PlanBuilder Phase(
        string? phaseId = null,
        long? cap = null,
        string? category = null,
        int maxAttempts = 3,
        string provider = "offline",
        string? verify = null,
        int offlineRejections = 0,
        int? verifyTimeoutSeconds = null,
        IReadOnlyList<OfflineEdit>? edits = null,
        IReadOnlyList<string>? scope = null,
        int maxTurns = PhasePlan.DefaultMaxTurns,
        BuilderPlan? builder = null,
        IReadOnlyList<string>? models = null)
    {
        var name = phaseId ?? $"phase-{phases.Count + 1}";
        phases.Add((tier, new PhasePlan(
            name, phaseId, category, MaxAttempts: maxAttempts, TokenCap: cap, Verify: verify, VerifyTimeoutSeconds: verifyTimeoutSeconds,
            OfflineRejections: offlineRejections, Scope: scope, MaxTurns: maxTurns)
        {
            Goal = $"goal of {name}",
            Provider = provider,
            OfflineEdits = edits ?? [],
            Builder = builder,
            Models = models,
        }));
        return this;
    }

    public RunPlan Build()
    {
        var tiers = phases.GroupBy(p => p.Tier).Select(g => new TierPlan { Name = g.Key, Phases = g.Select(p => p.Phase).ToList() }).ToList();
        return new RunPlan { RunId = runId, Goal = "test goal", TokenCap = runCap, Tiers = tiers, Workspace = workspace };
    }
}
