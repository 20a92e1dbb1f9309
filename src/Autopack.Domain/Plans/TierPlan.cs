namespace Autopack.Domain.Plans;

/// <summary>A tier of a plan: an ordered list of phases.</summary>
public sealed record TierPlan(string Name, IReadOnlyList<PhasePlan> Phases);
