namespace Autopack.Api.Runs.Plan;

/// <summary>A tier of <see cref="PlanDocument"/>: a name and its phases, in order.</summary>
public sealed record TierDocument(string Name, IReadOnlyList<PhaseDocument> Phases);
