using Autopack.Storage.Queue;

namespace Autopack.Api.Queue;

/// <summary>
/// GET /queue (and the answer of PATCH /queue and POST /admin/mode): the settings, the counts (queued runs not yet
/// claimed; executing as executing_limit counts them; EXECUTING runs whose holder died, awaiting takeover), the oldest
/// queued run's age, whether a run can be dispatched now and why not, and the workers.
/// </summary>
public sealed record QueueView(
    bool Dispatch,
    string Mode,
    int? ExecutingLimit,
    long Queued,
    long Executing,
    long AwaitingTakeover,
    double? OldestQueuedAgeSeconds,
    bool Drained,
    bool DispatchPossible,
    string? DispatchRefusal,
    IReadOnlyList<WorkerView> Workers,
    DateTime UpdatedAt,
    string? UpdatedBy,
    DateTime CheckedAt)
{
    public static QueueView From(QueueStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var settings = status.Settings;
        return new QueueView(
            settings.Dispatch,
            settings.Mode.ToName(),
            settings.ExecutingLimit,
            status.Queued,
            status.Executing,
            status.AwaitingTakeover,
            status.OldestQueuedAge is { } age ? Math.Round(age.TotalSeconds, 1) : null,
            status.Drained,
            status.DispatchPossible,
            status.DispatchRefusal,
            status.Workers.Select(w => WorkerView.From(w, status.CheckedAt, status.StaleAfter)).ToList(),
            settings.UpdatedAt,
            settings.UpdatedBy,
            status.CheckedAt);
    }
}
