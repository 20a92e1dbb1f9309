namespace Autopack.Domain.Plans;

/// <summary>A validated plan: what <c>POST /runs</c> and <c>autopack runs create --file</c> take.</summary>
public sealed record RunPlan(string? RunId, string Goal, long? TokenCap, IReadOnlyList<TierPlan> Tiers)
{
    public IEnumerable<PhasePlan> AllPhases => Tiers.SelectMany(t => t.Phases);
}
