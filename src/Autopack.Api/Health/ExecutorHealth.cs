namespace Autopack.Api.Health;

/// <summary>An executor holding a run's lease; stale when its heartbeat is older than AUTOPACK_LEASE_STALE_SECONDS.</summary>
public sealed record ExecutorHealth(string RunId, int Pid, string Host, double HeartbeatAgeSeconds, bool Stale);
