namespace Autopack.Domain.Plans;

/// <summary>
/// A validated plan: what <c>POST /runs</c> and <c>autopack runs create --file</c> take. <see cref="Workspace"/> names
/// the git repository the run works on (none: the executor initialises an empty one).
/// </summary>
public sealed record RunPlan(string? RunId, string Goal, long? TokenCap, IReadOnlyList<TierPlan> Tiers)
{
    public WorkspacePlan? Workspace { get; init; }

    public IEnumerable<PhasePlan> AllPhases => Tiers.SelectMany(t => t.Phases);
}
