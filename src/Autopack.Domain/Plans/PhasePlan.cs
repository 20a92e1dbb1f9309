namespace Autopack.Domain.Plans;

/// <summary>
/// One phase of a plan. <see cref="OfflineRejections"/> tells the offline provider's auditor to reject that many
/// attempts before approving (for rehearsing retries without a network).
/// </summary>
public sealed record PhasePlan(
    string? PhaseId,
    string PhaseName,
    string Goal,
    string? Category,
    string? Complexity,
    int MaxAttempts,
    long? TokenCap,
    string Provider,
    string? Verify,
    int? VerifyTimeoutSeconds,
    int OfflineRejections);
