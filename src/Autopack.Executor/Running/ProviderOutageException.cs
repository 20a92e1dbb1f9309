namespace Autopack.Executor.Running;

/// <summary>
/// A provider stayed unavailable (transient failures, an open breaker) for longer than
/// <c>AUTOPACK_OUTAGE_PAUSE_SECONDS</c>: the phase gives its attempt back and the run is PAUSED with this reason.
/// </summary>
public sealed class ProviderOutageException(string provider, TimeSpan waited, string lastError)
    : Exception($"provider {provider} unavailable for {waited.TotalSeconds:F0}s (last: {lastError}); run paused")
{
    public string Provider { get; } = provider;
}
