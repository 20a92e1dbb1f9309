namespace Autopack.Domain.Plans;

/// <summary>
/// One phase of a plan. A field left out takes its default: the goal is the phase's name (also when null), three
/// attempts, the offline provider, <see cref="DefaultMaxTurns"/>, no scripted edits. <see cref="OfflineRejections"/>
/// tells the offline provider's auditor to reject that many attempts before approving (for rehearsing retries
/// without a network). <see cref="Scope"/> (globs) limits what the builder may write, <see cref="MaxTurns"/> bounds
/// the turns of one builder attempt, and <see cref="OfflineEdits"/> are the offline builder's scripted tool calls.
/// <see cref="Builder"/> names an external agent as the builder (null: the built-in agent loop), and
/// <see cref="Models"/> the model of each attempt: attempt N uses the Nth, later attempts the last (null: the
/// provider's configured model); <see cref="ModelFor"/> applies that rule.
/// </summary>
/// <remarks>
/// The numbers with a default other than zero are constructor parameters: the source-generated reader sets every
/// init-only property it is not given to its type's default, so a default there would be lost.
/// </remarks>
public sealed record PhasePlan(
    string PhaseName,
    string? PhaseId = null,
    string? Category = null,
    string? Complexity = null,
    int MaxAttempts = PhasePlan.DefaultMaxAttempts,
    long? TokenCap = null,
    string? Verify = null,
    int? VerifyTimeoutSeconds = null,
    int OfflineRejections = 0,
    IReadOnlyList<string>? Scope = null,
    int MaxTurns = PhasePlan.DefaultMaxTurns)
{
    public const int DefaultMaxAttempts = 3;

    public const int DefaultMaxTurns = 30;

    public const string DefaultProvider = ProviderNames.Offline;

    private readonly string? goal;
    private readonly string? provider;
    private readonly IReadOnlyList<OfflineEdit>? offlineEdits;

    public string Goal
    {
        get => goal ?? PhaseName;
        init => goal = value;
    }

    public string Provider
    {
        get => provider ?? DefaultProvider;
        init => provider = value;
    }

    public IReadOnlyList<OfflineEdit> OfflineEdits
    {
        get => offlineEdits ?? [];
        init => offlineEdits = value;
    }

    public BuilderPlan? Builder { get; init; }

    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>The model attempt <paramref name="attempt"/> (1-based) uses from <paramref name="models"/>; null: the provider's own.</summary>
    public static string? ModelFor(IReadOnlyList<string>? models, int attempt) =>
        models is not { Count: > 0 } ? null : models[Math.Clamp(attempt, 1, models.Count) - 1];
}
