namespace Autopack.Llm.Resilience;

/// <summary>
/// How each provider's pipeline behaves: a circuit breaker outside, retries with jitter for transient errors
/// inside it, and a timeout per attempt innermost.
/// </summary>
public sealed record ResilienceOptions
{
    public double FailureRatio { get; init; } = 0.5;

    public int MinimumThroughput { get; init; } = 4;

    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxRetryAttempts { get; init; } = 2;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
