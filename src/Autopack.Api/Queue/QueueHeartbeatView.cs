using Autopack.Storage.Queue;

namespace Autopack.Api.Queue;

/// <summary>GET /queue/heartbeat: <c>pass</c> / <c>warn</c> / <c>fail</c> with the reasons, and the figures they were judged from (HTTP 503 on fail).</summary>
public sealed record QueueHeartbeatView(
    string Status,
    IReadOnlyList<string> Reasons,
    long Queued,
    long Executing,
    long AwaitingTakeover,
    double? OldestQueuedAgeSeconds,
    int LiveWorkers,
    int StaleWorkers,
    bool Dispatch,
    string Mode,
    DateTime CheckedAt)
{
    public static QueueHeartbeatView From(QueueStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var (verdict, reasons) = QueueHeartbeat.Evaluate(status);
        return new QueueHeartbeatView(
            verdict,
            reasons,
            status.Queued,
            status.Executing,
            status.AwaitingTakeover,
            status.OldestQueuedAge is { } age ? Math.Round(age.TotalSeconds, 1) : null,
            status.LiveWorkers,
            status.StaleWorkers.Count,
            status.Settings.Dispatch,
            status.Settings.Mode.ToName(),
            status.CheckedAt);
    }
}
