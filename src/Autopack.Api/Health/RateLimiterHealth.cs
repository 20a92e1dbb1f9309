namespace Autopack.Api.Health;

/// <summary>The per-client rate limiter: how many clients it tracks against its cap.</summary>
public sealed record RateLimiterHealth(int TrackedClients, int MaxClients, int PermitsPerMinute, long OverflowRequests);
