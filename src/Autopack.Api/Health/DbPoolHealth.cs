namespace Autopack.Api.Health;

/// <summary>A connection taken from the pool and a <c>SELECT 1</c> on it: did it work, how long it took.</summary>
public sealed record DbPoolHealth(bool Ok, double LatencyMs, bool Pooling, int BusyTimeoutMs, string? Error);
