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
/// The files are read by <see cref="ControlFiles"/> (regular files only, capped in size, text recorded only when it
/// parses); what was done is written by <see cref="ControlRecorder"/>; <see cref="RunControl.Apply"/> carries it out.
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
    /// <summary>How long after its row a CLI/API request's control file may be written (it is written just after the commit).</summary>
    public static readonly TimeSpan FileWriteWindow = TimeSpan.FromSeconds(5);

    internal static readonly ControlKind[] Kinds = [ControlKind.Stop, ControlKind.Timeout, ControlKind.Abort];
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ControlFiles files = new(runtime, events, identity, logger);
    private readonly ControlRecorder recorder = new(requests, HandledByOf(identity), time, logger);
    private bool closed;

    private string HandledBy => HandledByOf(identity);

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

    /// <summary>
    /// An abort is marked handled when an executor acts on it, before the run's ABORTED is written: an executor killed
    /// in between leaves a run that has not ended with its abort handled. Called before any phase starts, this applies
    /// that abort again (an abort is idempotent) instead of letting the run resume; true when it did.
    /// </summary>
    public async Task<bool> ReapplyAcceptedAbortAsync(CancellationToken cancellationToken)
    {
        if (await requests.LastHandledAsync(identity.RunId, ControlCommand.WordOf(ControlKind.Abort), null, cancellationToken).ConfigureAwait(false) is not { } abort)
        {
            return false;
        }

        var effect = control.Apply(new ControlCommand(ControlKind.Abort, identity.RunId));
        logger.LogWarning("abort request {Id} was handled by {HandledBy}, which ended before recording the run ABORTED: {Effect}", abort.Id, abort.HandledBy, effect);
        await recorder.RecordAsync(() => events.AppendAsync(
            "run_recovered",
            $"abort request {abort.Id} was handled by {abort.HandledBy}, which ended before recording the run ABORTED; applied again",
            identity.RunId,
            null,
            CancellationToken.None)).ConfigureAwait(false);
        return true;
    }

    public void Dispose() => gate.Dispose();

    private static string HandledByOf(ExecutorIdentity identity) => $"executor pid {identity.Pid} on {identity.Host}";

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
            var effect = satisfied ? "no effect: the run was PAUSED after it was requested" : control.Apply(command);
            var consumed = files.TryConsume(command);
            var latency = time.GetUtcNow().UtcDateTime - row.RequestedAt;
            logger.LogInformation("control request {Id} from {Source}: {Command} -> {Effect} ({LatencyMs:F1} ms after it was stored)",
                row.Id, row.Source, command.Content, effect, latency.TotalMilliseconds);
            await recorder.MarkHandledAsync(row, effect,
                $"{command.Content}: {effect} (request {row.Id} from {row.Source}{(consumed ? ", its control file consumed" : string.Empty)}; "
                + $"{latency.TotalMilliseconds:F1} ms after it was stored; executor pid {identity.Pid})").ConfigureAwait(false);
        }
    }

    private async Task ScanFilesAsync(CancellationToken cancellationToken)
    {
        foreach (var kind in Kinds)
        {
            if (await files.ReadAsync(kind, cancellationToken).ConfigureAwait(false) is { } found && IsForThisRun(found.Command))
            {
                await HandleFileAsync(found.Command, runtime.ControlFilePath(kind), found.WrittenAt, cancellationToken).ConfigureAwait(false);
            }
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
            ControlFiles.Delete(path);
            var effect = control.Apply(command);
            logger.LogInformation("control file {File}: {Command} (request {Id} from {Source}) -> {Effect} ({LatencyMs:F1} ms after it was written)",
                file, command.Content, pending.Id, pending.Source, effect, latency.TotalMilliseconds);
            await recorder.MarkHandledAsync(pending, effect,
                $"{command.Content}: {effect} (request {pending.Id} from {pending.Source}, seen as its control file; "
                + $"{latency.TotalMilliseconds:F1} ms after it was written; executor pid {identity.Pid})").ConfigureAwait(false);
            return;
        }

        var handled = await requests.LastHandledAsync(identity.RunId, word, phaseId, cancellationToken).ConfigureAwait(false);
        if (handled is { Source: not "file" } && writtenAt >= handled.RequestedAt - TimeSpan.FromSeconds(1) && writtenAt <= handled.RequestedAt + FileWriteWindow)
        {
            ControlFiles.Delete(path);
            logger.LogInformation("control file {File}: {Command} is the file of request {Id}, already handled; consumed", file, command.Content, handled.Id);
            return;
        }

        if (command.Kind == ControlKind.Stop
            && await requests.LastPausedAtAsync(identity.RunId, cancellationToken).ConfigureAwait(false) is { } pausedAt
            && writtenAt < pausedAt)
        {
            ControlFiles.Delete(path);
            logger.LogWarning("control file {File}: {Command} was written before the run was last PAUSED ({PausedAt:O}); stale, consumed", file, command.Content, pausedAt);
            await recorder.RecordAsync(() => events.AppendAsync(
                "control_stale",
                $"{command.Content} in {file} was written {writtenAt:O}, before the run was last PAUSED ({pausedAt:O}); consumed without effect",
                identity.RunId,
                null,
                CancellationToken.None)).ConfigureAwait(false);
            return;
        }

        ControlFiles.Delete(path);
        var echoed = control.Apply(command);
        logger.LogInformation("control file {File}: {Command} -> {Effect} ({LatencyMs:F1} ms after it was written)",
            file, command.Content, echoed, latency.TotalMilliseconds);
        await recorder.RecordAsync(() => requests.RecordFileCommandAsync(
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
}
