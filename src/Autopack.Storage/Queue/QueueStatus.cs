namespace Autopack.Storage.Queue;

/// <summary>
/// The queue at one moment, as <c>autopack queue status</c>, <c>GET /queue</c>, <c>GET /queue/heartbeat</c>, /metrics and
/// the dashboard show it. <see cref="Executing"/> counts what <c>executing_limit</c> counts: runs claimed by a live
/// worker or leased by a live executor; <see cref="Queued"/> the QUEUED runs not yet held (so the two never overlap). <see cref="AwaitingTakeover"/> are EXECUTING runs nobody alive holds (their
/// worker or executor died): the next claim takes them over.
/// </summary>
public sealed record QueueStatus(
    QueueSettings Settings,
    long Queued,
    long Executing,
    long AwaitingTakeover,
    DateTime? OldestQueuedAt,
    IReadOnlyList<WorkerInfo> Workers,
    long QueuedInWindow,
    long ClaimedInWindow,
    DateTime CheckedAt,
    TimeSpan StaleAfter)
{
    /// <summary>The window over which arrivals and claims are compared to tell a growing backlog.</summary>
    public static readonly TimeSpan BacklogWindow = TimeSpan.FromMinutes(5);

    public int BacklogWindowMinutes => (int)BacklogWindow.TotalMinutes;

    public TimeSpan? OldestQueuedAge => OldestQueuedAt is { } at ? (CheckedAt > at ? CheckedAt - at : TimeSpan.Zero) : null;

    /// <summary>Workers with a fresh heartbeat that still claim (RUNNING, not STOPPING).</summary>
    public int LiveWorkers => Workers.Count(w => w.State == WorkerStates.Running && w.IsLive(CheckedAt, StaleAfter));

    public IReadOnlyList<WorkerInfo> StaleWorkers => Workers.Where(w => !w.IsLive(CheckedAt, StaleAfter)).ToList();

    /// <summary>Runs waiting for a worker: QUEUED, plus EXECUTING runs whose holder died.</summary>
    public long Waiting => Queued + AwaitingTakeover;

    /// <summary>DRAINING and nothing executing: safe to stop the workers, upgrade or restore.</summary>
    public bool Drained => Settings.Mode == QueueMode.Draining && Executing == 0;

    /// <summary>
    /// Whether a run can be dispatched now: dispatch on, NORMAL, below the limit, and a live worker to claim it;
    /// <see cref="DispatchRefusal"/> says why not.
    /// </summary>
    public bool DispatchPossible => DispatchRefusal is null;

    public string? DispatchRefusal =>
        Settings.ClaimRefusal
        ?? (LiveWorkers == 0 ? "no live worker: start one with autopack worker" : null)
        ?? (Settings.ExecutingLimit is { } limit && Executing >= limit ? $"executing_limit {limit} reached" : null);
}
