namespace Autopack.Llm.Resilience;

/// <summary>
/// How each provider's calls behave. One HTTP attempt goes through the provider's circuit breaker and a timeout
/// per attempt; retries (exponential backoff with jitter, or the provider's <c>Retry-After</c>) sit outside the
/// breaker, so it counts every HTTP attempt: in an outage it opens after about
/// <see cref="MinimumThroughput"/> consecutive transient failures.
/// </summary>
public sealed record ResilienceOptions
{
    /// <summary>Share of the sampled attempts that must have failed for the breaker to open.</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>HTTP attempts within <see cref="SamplingDuration"/> before the ratio is judged at all.</summary>
    public int MinimumThroughput { get; init; } = 5;

    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of one call after its first attempt (each retry is an HTTP attempt of its own).</summary>
    public int MaxRetryAttempts { get; init; } = 2;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest backoff between two attempts (a provider's <c>Retry-After</c> is capped separately, at 60 s).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
