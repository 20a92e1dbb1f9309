using System.CommandLine;
using System.Globalization;
using Autopack.Storage.Queue;

namespace Autopack.Cli.Commands;

/// <summary>
/// <c>autopack queue status|pause|resume|limit|requeue</c>: the run queue the workers share, as <c>GET /queue</c>
/// and <c>PATCH /queue</c> see and change it.
/// </summary>
public static class QueueCommands
{
    public static Command Create(string cwd)
    {
        var queue = new Command("queue", "The run queue that workers claim from: status, dispatch on/off, the global executing_limit, requeueing a PAUSED run.");
        queue.Add(StatusCommand(cwd));
        queue.Add(SwitchCommand(cwd, "pause", "Stop dispatch: workers claim nothing more; running runs go on.", dispatch: false));
        queue.Add(SwitchCommand(cwd, "resume", "Resume dispatch: workers claim QUEUED runs again.", dispatch: true));
        queue.Add(LimitCommand(cwd));
        queue.Add(RequeueCommand(cwd));
        return queue;
    }

    /// <summary>The queue status as <c>autopack queue status</c> prints it (also after <c>autopack drain</c>).</summary>
    public static async Task WriteStatusAsync(CliContext ctx, QueueStatus status)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(status);
        var o = ctx.Out;
        var settings = status.Settings;
        var (probe, reasons) = QueueHeartbeat.Evaluate(status);
        var oldest = status.OldestQueuedAge is { } age ? Seconds(age) + " ago" : "-";
        await o.WriteLineAsync($"dispatch:          {(settings.Dispatch ? "on" : "off")}").ConfigureAwait(false);
        await o.WriteLineAsync($"mode:              {settings.Mode.ToName()}{(status.Drained ? " (drained: nothing executing)" : string.Empty)}").ConfigureAwait(false);
        await o.WriteLineAsync($"executing_limit:   {(settings.ExecutingLimit is { } limit ? limit.ToString(CultureInfo.InvariantCulture) : "none")}").ConfigureAwait(false);
        await o.WriteLineAsync($"queued:            {status.Queued} (oldest created {oldest})").ConfigureAwait(false);
        await o.WriteLineAsync($"executing:         {status.Executing}").ConfigureAwait(false);
        await o.WriteLineAsync($"awaiting takeover: {status.AwaitingTakeover}").ConfigureAwait(false);
        await o.WriteLineAsync($"dispatch possible: {(status.DispatchRefusal is { } why ? "no: " + why : "yes")}").ConfigureAwait(false);
        await o.WriteLineAsync($"heartbeat:         {probe}{(reasons.Count == 0 ? string.Empty : ": " + string.Join("; ", reasons))}").ConfigureAwait(false);
        await o.WriteLineAsync($"workers:           {status.Workers.Count} ({status.LiveWorkers} live)").ConfigureAwait(false);
        if (status.Workers.Count > 0)
        {
            await o.WriteLineAsync($"  {"WORKER_ID",-40} {"HOST",-20} {"PID",7} {"STATE",-9} {"RUNS",-6} HEARTBEAT").ConfigureAwait(false);
            foreach (var w in status.Workers)
            {
                var stale = w.IsLive(status.CheckedAt, status.StaleAfter) ? string.Empty : " (stale)";
                await o.WriteLineAsync(
                    $"  {w.WorkerId,-40} {w.Host,-20} {w.Pid,7} {w.State,-9} {w.ClaimedRuns + "/" + w.Concurrency,-6} {Seconds(w.HeartbeatAge(status.CheckedAt))} ago{stale}")
                    .ConfigureAwait(false);
            }
        }
    }

    private static string Seconds(TimeSpan age) => string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:F0}s");

    private static Command StatusCommand(string cwd)
    {
        var command = new Command("status", "Queued and executing counts, oldest queued run, dispatch, mode, executing_limit, the workers and their heartbeat age.");
        CommandAction.Set(command, cwd, async (_, ctx, ct) =>
        {
            var status = await new QueueReader(ctx.MigratedDatabase(), ctx.Time).ReadAsync(TimeSpan.FromSeconds(ctx.Storage.LeaseStaleSeconds), ct).ConfigureAwait(false);
            await WriteStatusAsync(ctx, status).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command SwitchCommand(string cwd, string name, string description, bool dispatch)
    {
        var command = new Command(name, description);
        CommandAction.Set(command, cwd, async (_, ctx, ct) =>
        {
            var settings = await new QueueControl(ctx.MigratedDatabase(), ctx.Time).UpdateAsync(new QueueChange(Dispatch: dispatch), "cli", ct).ConfigureAwait(false);
            var line = dispatch
                ? "dispatch on: workers claim QUEUED runs" + (settings.Mode == QueueMode.Draining ? " once the mode is NORMAL again (the queue is DRAINING: autopack drain --cancel)" : string.Empty)
                : "dispatch off: workers claim nothing more; running runs go on (autopack queue resume to undo)";
            await ctx.Out.WriteLineAsync(line).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command LimitCommand(string cwd)
    {
        var value = new Argument<string>("N") { Description = "The most runs executing at once across all workers, or 'none' for no global limit." };
        var command = new Command("limit", "Set the global executing_limit (checked in the same transaction as every claim, so workers racing cannot pass it).") { value };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var text = parse.GetRequiredValue(value);
            int? limit = null;
            if (!string.Equals(text, "none", StringComparison.Ordinal))
            {
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    throw new CliException($"N: '{text}' is not a whole number (or 'none')", 2);
                }

                if (QueueChange.LimitProblem(parsed) is { } problem)
                {
                    throw new CliException($"N: {problem}", 2);
                }

                limit = (int)parsed;
            }

            await new QueueControl(ctx.MigratedDatabase(), ctx.Time).UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: limit), "cli", ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync(limit is { } n ? $"executing_limit {n}: at most {n} run(s) executing across all workers" : "no executing_limit: each worker's --concurrency only")
                .ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command RequeueCommand(string cwd)
    {
        var runId = new Argument<string>("run-id") { Description = "A PAUSED run." };
        var command = new Command("requeue", "Put a PAUSED run back in the queue (QUEUED) for the next free worker; stop requests still waiting for it are superseded.") { runId };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var id = parse.GetRequiredValue(runId);
            var superseded = await new QueueControl(ctx.MigratedDatabase(), ctx.Time).RequeueAsync(id, "cli", ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"run {id} QUEUED: the next free worker resumes it" + (superseded > 0 ? $" ({superseded} waiting stop request(s) superseded)" : string.Empty))
                .ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
