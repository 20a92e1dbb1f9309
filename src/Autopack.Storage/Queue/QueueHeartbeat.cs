using System.Globalization;

namespace Autopack.Storage.Queue;

/// <summary>
/// The queue heartbeat probe (Production Monitoring's pass / warn / fail), judged from a <see cref="QueueStatus"/>:
/// <c>fail</c> when runs wait and no live worker can claim them; <c>warn</c> for a worker whose heartbeat is stale,
/// a backlog growing (more runs queued than claimed over <see cref="QueueStatus.BacklogWindow"/>), or dispatch
/// stopped while runs wait; <c>pass</c> otherwise. ADR-033.
/// </summary>
public static class QueueHeartbeat
{
    public const string Pass = "pass";
    public const string Warn = "warn";
    public const string Fail = "fail";

    public static (string Status, IReadOnlyList<string> Reasons) Evaluate(QueueStatus queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var failures = new List<string>();
        var warnings = new List<string>();
        if (queue.Waiting > 0 && queue.LiveWorkers == 0)
        {
            failures.Add(Text($"{queue.Waiting} run(s) waiting and no live worker"));
        }

        foreach (var worker in queue.StaleWorkers)
        {
            warnings.Add(Text($"worker {worker.WorkerId} (pid {worker.Pid} on {worker.Host}): heartbeat {worker.HeartbeatAge(queue.CheckedAt).TotalSeconds:F0}s old"));
        }

        if (queue.Queued > 0 && queue.QueuedInWindow > queue.ClaimedInWindow)
        {
            warnings.Add(Text($"backlog growing: {queue.QueuedInWindow} run(s) queued and {queue.ClaimedInWindow} claimed in the last {queue.BacklogWindowMinutes} min; {queue.Queued} queued"));
        }

        if (queue.Waiting > 0 && queue.Settings.ClaimRefusal is not null)
        {
            warnings.Add(Text($"{queue.Waiting} run(s) waiting while dispatch is stopped ({(queue.Settings.Mode == QueueMode.Draining ? "DRAINING" : "paused")})"));
        }

        var status = failures.Count > 0 ? Fail : warnings.Count > 0 ? Warn : Pass;
        return (status, [.. failures, .. warnings]);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
