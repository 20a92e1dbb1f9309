using System.Diagnostics;
using Autopack.Executor.Hosting;
using Autopack.Storage.Entities;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Control;

/// <summary>
/// Everything that can ask this executor to stop, abort or time a phase out: the control files (operators' echo,
/// and the files the CLI and API write) and the run's unhandled rows of <c>control_requests</c> (what the CLI and
/// API store). One check reads both, acts on each request once and records it once:
/// <list type="bullet">
/// <item>a stored stop requested before the run last became PAUSED was satisfied by that pause (the executor
/// ended before it read the row): marked handled without effect, so it never pauses a later resume;</item>
/// <item>a stored request is acted on, marked handled with its <c>control_command</c> event in one transaction,
/// and the control file is consumed when it holds the same command (it is that request's file, or an echo of it);</item>
/// <item>a file for this run that matches an unhandled row is that row (handled as above, one event);</item>
/// <item>a file that matches a CLI/API request already handled and was written within <see cref="FileWriteWindow"/>
/// of it is that request's file, written after the executor had already polled the row: consumed, not acted on;</item>
/// <item>a <c>stop:</c> file written before the run last became PAUSED is stale (that stop, or the one that paused
/// the run, has happened): consumed and recorded as <c>control_stale</c>, so it never pauses a later resume;</item>
/// <item>any other file for this run is an operator's echo: acted on, stored as a handled row with source
/// <c>file</c>, recorded in events. A file for another run is left alone; malformed content is consumed.</item>
/// </list>
/// </summary>
public sealed class ControlInbox(
    RuntimeFolder runtime,
    RunControl control,
    ControlRequestStore requests,
    EventLog events,
    ExecutorIdentity identity,
    TimeProvider time,
    ILogger<ControlInbox> logger) : IDisposable
{
    public static readonly TimeSpan MalformedGrace = TimeSpan.FromSeconds(1);

    /// <summary>How long after its row a CLI/API request's control file may be written (it is written just after the commit).</summary>
    public static readonly TimeSpan FileWriteWindow = TimeSpan.FromSeconds(5);

    internal static readonly ControlKind[] Kinds = [ControlKind.Stop, ControlKind.Timeout, ControlKind.Abort];
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<ControlKind, (string Content, long SeenAt)> malformed = [];
    private bool closed;

    private string HandledBy => $"executor pid {identity.Pid} on {identity.Host}";

    /// <summary>Reads the control files and the run's unhandled requests once, acting on what is for this run.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (closed)
            {
                return;
            }

            await ScanFilesAsync(cancellationToken).ConfigureAwait(false);
            await PollStoredAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stops handling requests once the run's end is being recorded (after any check in progress), so a request that
    /// arrives later stays unhandled for the next executor instead of being marked handled by one that ignores it.
    /// </summary>
    public async Task CloseAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        closed = true;
        gate.Release();
    }

    public void Dispose() => gate.Dispose();

    private static ControlCommand CommandOf(ControlRequestRow row)
    {
        var kind = row.Kind switch
        {
            "stop" => ControlKind.Stop,
            "timeout" => ControlKind.Timeout,
            _ => ControlKind.Abort,
        };
        return new ControlCommand(kind, kind == ControlKind.Timeout ? row.PhaseId! : row.RunId);
    }

    private async Task PollStoredAsync(CancellationToken cancellationToken)
    {
        DateTime? pausedAt = null;
        foreach (var row in await requests.PendingAsync(identity.RunId, cancellationToken).ConfigureAwait(false))
        {
            var command = CommandOf(row);
            pausedAt ??= command.Kind == ControlKind.Stop ? await requests.LastPausedAtAsync(identity.RunId, cancellationToken).ConfigureAwait(false) : null;
            var satisfied = command.Kind == ControlKind.Stop && row.RequestedAt < pausedAt;
            var effect = satisfied ? "no effect: the run was PAUSED after it was requested" : Act(command);
            var consumed = TryConsumeFileOf(command);
            var latency = time.GetUtcNow().UtcDateTime - row.RequestedAt;
            logger.LogInformation("control request {Id} from {Source}: {Command} -> {Effect} ({LatencyMs:F1} ms after it was stored)",
                row.Id, row.Source, command.Content, effect, latency.TotalMilliseconds);
            await MarkHandledAsync(row, effect,
                $"{command.Content}: {effect} (request {row.Id} from {row.Source}{(consumed ? ", its control file consumed" : string.Empty)}; "
                + $"{latency.TotalMilliseconds:F1} ms after it was stored; executor pid {identity.Pid})").ConfigureAwait(false);
        }
    }

    private async Task ScanFilesAsync(CancellationToken cancellationToken)
    {
        foreach (var kind in Kinds)
        {
            var path = runtime.ControlFilePath(kind);
            string content;
            DateTime writtenAt;
            try
            {
                if (!File.Exists(path))
                {
                    malformed.Remove(kind);
                    continue;
                }

                content = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
                writtenAt = File.GetLastWriteTimeUtc(path);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            var command = ControlCommand.Parse(kind, content);
            if (command is null)
            {
                await HandleMalformedAsync(kind, path, content, cancellationToken).ConfigureAwait(false);
                continue;
            }

            malformed.Remove(kind);
            if (!IsForThisRun(command))
            {
                continue;
            }

            await HandleFileAsync(command, path, writtenAt, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleFileAsync(ControlCommand command, string path, DateTime writtenAt, CancellationToken cancellationToken)
    {
        var word = ControlCommand.WordOf(command.Kind);
        var phaseId = command.Kind == ControlKind.Timeout ? command.TargetId : null;
        var file = ControlCommand.FileNameOf(command.Kind);
        var latency = time.GetUtcNow().UtcDateTime - writtenAt;
        var pending = (await requests.PendingAsync(identity.RunId, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.Kind == word && r.PhaseId == phaseId);
        if (pending is not null)
        {
            TryDelete(path);
            var effect = Act(command);
            logger.LogInformation("control file {File}: {Command} (request {Id} from {Source}) -> {Effect} ({LatencyMs:F1} ms after it was written)",
                file, command.Content, pending.Id, pending.Source, effect, latency.TotalMilliseconds);
            await MarkHandledAsync(pending, effect,
                $"{command.Content}: {effect} (request {pending.Id} from {pending.Source}, seen as its control file; "
                + $"{latency.TotalMilliseconds:F1} ms after it was written; executor pid {identity.Pid})").ConfigureAwait(false);
            return;
        }

        var handled = await requests.LastHandledAsync(identity.RunId, word, phaseId, cancellationToken).ConfigureAwait(false);
        if (handled is { Source: not "file" } && writtenAt >= handled.RequestedAt - TimeSpan.FromSeconds(1) && writtenAt <= handled.RequestedAt + FileWriteWindow)
        {
            TryDelete(path);
            logger.LogInformation("control file {File}: {Command} is the file of request {Id}, already handled; consumed", file, command.Content, handled.Id);
            return;
        }

        if (command.Kind == ControlKind.Stop
            && await requests.LastPausedAtAsync(identity.RunId, cancellationToken).ConfigureAwait(false) is { } pausedAt
            && writtenAt < pausedAt)
        {
            TryDelete(path);
            logger.LogWarning("control file {File}: {Command} was written before the run was last PAUSED ({PausedAt:O}); stale, consumed", file, command.Content, pausedAt);
            await RecordAsync(() => events.AppendAsync(
                "control_stale",
                $"{command.Content} in {file} was written {writtenAt:O}, before the run was last PAUSED ({pausedAt:O}); consumed without effect",
                identity.RunId,
                null,
                CancellationToken.None)).ConfigureAwait(false);
            return;
        }

        TryDelete(path);
        var echoed = Act(command);
        logger.LogInformation("control file {File}: {Command} -> {Effect} ({LatencyMs:F1} ms after it was written)",
            file, command.Content, echoed, latency.TotalMilliseconds);
        await RecordAsync(() => requests.RecordFileCommandAsync(
            command,
            identity.RunId,
            writtenAt,
            HandledBy,
            echoed,
            $"{command.Content}: {echoed} ({latency.TotalMilliseconds:F1} ms after it was written; executor pid {identity.Pid})",
            CancellationToken.None)).ConfigureAwait(false);
    }

    private bool IsForThisRun(ControlCommand command) => command.Kind == ControlKind.Timeout
        ? control.OwnsPhase(command.TargetId)
        : command.TargetId == identity.RunId;

    private string Act(ControlCommand command)
    {
        switch (command.Kind)
        {
            case ControlKind.Abort:
                control.RequestAbort();
                return "aborting now";
            case ControlKind.Stop:
                control.RequestStop();
                return "stopping (run will be PAUSED)";
            default:
                return control.RequestTimeout(command.TargetId)
                    ? "phase attempt cancelled (TIMED_OUT)"
                    : "no effect: the phase is not executing";
        }
    }

    /// <summary>Consumes the control file when it holds this command; true when it did.</summary>
    private bool TryConsumeFileOf(ControlCommand command)
    {
        var path = runtime.ControlFilePath(command.Kind);
        try
        {
            if (!File.Exists(path) || ControlCommand.Parse(command.Kind, File.ReadAllText(path)) != command)
            {
                return false;
            }
        }
        catch (IOException)
        {
            return false;
        }

        TryDelete(path);
        return true;
    }

    private async Task MarkHandledAsync(ControlRequestRow row, string effect, string message)
    {
        var marked = false;
        await RecordAsync(async () => marked = await requests.MarkHandledAsync(row.Id, HandledBy, effect, message, CancellationToken.None).ConfigureAwait(false)).ConfigureAwait(false);
        if (!marked)
        {
            logger.LogWarning("control request {Id} was already marked handled", row.Id);
        }
    }

    /// <summary>
    /// Records a handled command. It has already taken effect (acting first keeps the latency to milliseconds), so
    /// a busy database is retried rather than losing the record.
    /// </summary>
    private async Task RecordAsync(Func<Task> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Microsoft.EntityFrameworkCore.DbUpdateException && attempt < 5)
            {
                logger.LogWarning(ex, "could not record a control command (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleMalformedAsync(ControlKind kind, string path, string content, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (!malformed.TryGetValue(kind, out var seen) || seen.Content != content)
        {
            malformed[kind] = (content, now);
            return;
        }

        if (Stopwatch.GetElapsedTime(seen.SeenAt, now) < MalformedGrace)
        {
            return;
        }

        malformed.Remove(kind);
        var shown = content.Length > 80 ? content[..80] + "..." : content;
        logger.LogWarning("control file {File} is malformed ({Content}); expected '{Word}:<id>'; consumed",
            ControlCommand.FileNameOf(kind), shown.Trim(), ControlCommand.WordOf(kind));
        await events.AppendAsync(
            "control_malformed",
            $"{ControlCommand.FileNameOf(kind)} held '{shown.Trim()}', expected '{ControlCommand.WordOf(kind)}:<id>'; consumed",
            identity.RunId,
            null,
            cancellationToken).ConfigureAwait(false);
        TryDelete(path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already consumed or replaced; the next scan sees what is there now.
        }
    }
}
