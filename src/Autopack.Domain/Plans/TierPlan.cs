namespace Autopack.Domain.Plans;

/// <summary>A tier of a plan: an ordered list of phases.</summary>
public sealed record TierPlan
{
    public required string Name { get; init; }

    public required IReadOnlyList<PhasePlan> Phases { get; init; }
}
