namespace Autopack.Domain.Plans;

/// <summary>
/// One phase of a plan. <see cref="OfflineRejections"/> tells the offline provider's auditor to reject that many
/// attempts before approving (for rehearsing retries without a network). <see cref="Scope"/> (globs) limits what
/// the builder may write, <see cref="MaxTurns"/> bounds the turns of one builder attempt, and
/// <see cref="OfflineEdits"/> are the offline builder's scripted tool calls.
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
    int OfflineRejections)
{
    public const int DefaultMaxTurns = 30;

    public IReadOnlyList<string>? Scope { get; init; }

    public int MaxTurns { get; init; } = DefaultMaxTurns;

    public IReadOnlyList<OfflineEdit> OfflineEdits { get; init; } = [];
}
