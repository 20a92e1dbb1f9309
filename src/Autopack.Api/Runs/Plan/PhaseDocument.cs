namespace Autopack.Api.Runs.Plan;

/// <summary>A phase of <see cref="PlanDocument"/>; every field but <see cref="PhaseName"/> is optional.</summary>
public sealed record PhaseDocument(
    string? PhaseId,
    string PhaseName,
    string? Goal,
    string? Category,
    string? Complexity,
    int? MaxAttempts,
    long? TokenCap,
    string? Provider,
    string? Verify,
    int? VerifyTimeoutSeconds,
    int? OfflineRejections,
    IReadOnlyList<string>? Scope,
    int? MaxTurns,
    IReadOnlyList<OfflineEditDocument>? OfflineEdits);
