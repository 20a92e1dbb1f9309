using Autopack.Storage.Queue;

namespace Autopack.Api.Queue;

/// <summary>A worker in GET /queue: who and where, its slots and claimed runs, its heartbeat age (by this server's clock).</summary>
public sealed record WorkerView(
    string WorkerId,
    string Host,
    int Pid,
    string State,
    int Concurrency,
    int ClaimedRuns,
    DateTime StartedAt,
    DateTime HeartbeatAt,
    double HeartbeatAgeSeconds,
    bool Stale)
{
    public static WorkerView From(WorkerInfo worker, DateTime now, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new WorkerView(
            worker.WorkerId,
            worker.Host,
            worker.Pid,
            worker.State,
            worker.Concurrency,
            worker.ClaimedRuns,
            worker.StartedAt,
            worker.HeartbeatAt,
            Math.Round(worker.HeartbeatAge(now).TotalSeconds, 1),
            !worker.IsLive(now, staleAfter));
    }
}
