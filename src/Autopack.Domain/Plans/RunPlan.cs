namespace Autopack.Domain.Plans;

/// <summary>
/// A plan: what <c>POST /runs</c> and <c>autopack runs create --file</c> take, read from JSON by
/// <see cref="PlanParser"/> (snake_case names: <c>run_id</c>, <c>token_cap</c> ...) and then checked by
/// <see cref="PlanRules"/>. <see cref="Workspace"/> names the git repository the run works on (none: the executor
/// initialises an empty one). Its members are its JSON fields, nothing else: a field the type lacks is refused.
/// </summary>
public sealed record RunPlan
{
    public string? RunId { get; init; }

    public required string Goal { get; init; }

    public long? TokenCap { get; init; }

    public required IReadOnlyList<TierPlan> Tiers { get; init; }

    public WorkspacePlan? Workspace { get; init; }

    public IEnumerable<PhasePlan> AllPhases() => Tiers.SelectMany(t => t.Phases);
}
