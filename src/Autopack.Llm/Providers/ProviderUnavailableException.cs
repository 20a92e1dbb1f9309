namespace Autopack.Llm.Providers;

/// <summary>
/// The provider's circuit breaker is open (or isolated by hand), so the call was not sent. The caller should wait
/// (at least <see cref="RetryAfter"/> when known) instead of failing the phase: an outage is not the phase's fault.
/// </summary>
/// <param name="provider">The provider whose breaker refused the call.</param>
/// <param name="retryAfter">How long until the breaker lets a trial call through, when the breaker knows.</param>
/// <param name="inner">The resilience library's exception.</param>
public sealed class ProviderUnavailableException(string provider, TimeSpan? retryAfter, Exception inner)
    : Exception($"{provider}: circuit breaker is open; calls are paused" + (retryAfter is { } after ? $" for {after.TotalSeconds:F0}s" : ""), inner)
{
    /// <summary>The provider whose breaker refused the call.</summary>
    public string Provider { get; } = provider;

    /// <summary>How long until the breaker lets a trial call through, when the breaker knows.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
