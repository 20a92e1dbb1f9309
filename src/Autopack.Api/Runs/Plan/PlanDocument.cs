namespace Autopack.Api.Runs.Plan;

/// <summary>
/// The plan format of POST /runs, for the OpenAPI document only: the body itself is read by the domain's strict
/// <c>PlanParser</c>, which is the authority on every field (unknown fields are refused).
/// </summary>
public sealed record PlanDocument(string? RunId, string Goal, long? TokenCap, IReadOnlyList<TierDocument> Tiers, WorkspaceDocument? Workspace);

