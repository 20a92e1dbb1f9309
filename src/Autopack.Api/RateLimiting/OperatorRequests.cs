namespace Autopack.Api.RateLimiting;

/// <summary>
/// The requests an operator must always be able to make: health probes and scrapes (GET /health, /ready, /metrics),
/// control requests (stop, abort, timeout, breaker reset) and the queue's state, heartbeat and controls. They are not
/// counted against a client's data budget; see <see cref="RateLimitingServiceCollectionExtensions"/> and ADR-025.
/// </summary>
public static class OperatorRequests
{
    /// <summary>The endpoint names (as in the OpenAPI document) of the operator's requests.</summary>
    public static readonly IReadOnlySet<string> EndpointNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "GetHealth", "GetReady", "GetMetrics", "StopRun", "AbortRun", "TimeoutPhase", "ResetCircuitBreakers",
        "GetQueue", "GetQueueHeartbeat", "UpdateQueue", "SetQueueMode", "RequeueRun",
    };

    public static bool IsOperatorRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>() is { } name && EndpointNames.Contains(name.EndpointName);
    }
}
