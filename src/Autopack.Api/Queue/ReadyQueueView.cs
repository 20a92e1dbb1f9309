using Autopack.Storage.Queue;

namespace Autopack.Api.Queue;

/// <summary>
/// The queue's part of a 200 from GET /ready: whether a run can be dispatched now and, if not, why (paused, DRAINING,
/// no live worker, executing_limit reached). It does not make /ready fail: the queue is durable when the database is
/// migrated and writable, which /ready checks; a paused queue is an operator's choice, not an outage (ADR-033).
/// </summary>
public sealed record ReadyQueueView(bool DispatchPossible, string? DispatchRefusal, bool Dispatch, string Mode, int? ExecutingLimit, int LiveWorkers, long Queued)
{
    public static ReadyQueueView From(QueueStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new ReadyQueueView(
            status.DispatchPossible, status.DispatchRefusal, status.Settings.Dispatch, status.Settings.Mode.ToName(), status.Settings.ExecutingLimit, status.LiveWorkers, status.Queued);
    }
}
