namespace Autopack.Storage.Queue;

/// <summary>A row of <c>workers</c> as operators see it: who, where, how many runs it may and does hold, its heartbeat.</summary>
public sealed record WorkerInfo(
    string WorkerId,
    string Host,
    int Pid,
    int Concurrency,
    string State,
    DateTime StartedAt,
    DateTime HeartbeatAt,
    int ClaimedRuns)
{
    public TimeSpan HeartbeatAge(DateTime now) => now > HeartbeatAt ? now - HeartbeatAt : TimeSpan.Zero;

    /// <summary>A heartbeat younger than <paramref name="staleAfter"/> (AUTOPACK_LEASE_STALE_SECONDS): the worker counts as alive.</summary>
    public bool IsLive(DateTime now, TimeSpan staleAfter) => now - HeartbeatAt < staleAfter;
}
