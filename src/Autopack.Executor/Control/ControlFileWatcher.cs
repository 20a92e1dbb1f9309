using System.Diagnostics;
using Autopack.Executor.Hosting;
using Autopack.Storage.Events;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Control;

/// <summary>
/// Watches the control files with FileSystemWatcher (inotify: acts within milliseconds) plus a polling fallback
/// so that no command is ever missed (events can be dropped on overflow or unsupported file systems). A command
/// for this run is consumed, recorded in <c>events</c> and acted on; one for another run is left for its
/// executor; malformed content is reported and consumed once it has stayed unchanged for a grace period (an
/// operator's echo may still be writing it).
/// </summary>
public sealed class ControlFileWatcher(
    RuntimeFolder runtime,
    RunControl control,
    EventLog events,
    ExecutorIdentity identity,
    TimeProvider time,
    ILogger<ControlFileWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MalformedGrace = TimeSpan.FromSeconds(1);

    private static readonly ControlKind[] Kinds = [ControlKind.Stop, ControlKind.Timeout, ControlKind.Abort];
    private readonly SemaphoreSlim changed = new(0);
    private readonly Dictionary<ControlKind, (string Content, long SeenAt)> malformed = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await control.LeaseHeld.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Directory.CreateDirectory(runtime.Path);
        using var watcher = new FileSystemWatcher(runtime.Path)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        watcher.Created += OnChange;
        watcher.Changed += OnChange;
        watcher.Renamed += OnChange;
        watcher.Error += (_, e) => logger.LogWarning(e.GetException(), "control file watcher overflowed; polling covers the gap");
        watcher.EnableRaisingEvents = true;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScanAsync(stoppingToken).ConfigureAwait(false);
                await changed.WaitAsync(PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                logger.LogWarning(ex, "control file scan failed; retrying");
                await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public override void Dispose()
    {
        changed.Dispose();
        base.Dispose();
    }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        if (Kinds.Any(k => ControlCommand.FileNameOf(k) == e.Name))
        {
            changed.Release();
        }
    }

    private async Task ScanAsync(CancellationToken cancellationToken)
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

            TryDelete(path);
            var latency = time.GetUtcNow().UtcDateTime - writtenAt;
            var effect = Act(command);
            logger.LogInformation("control file {File}: {Command} -> {Effect} ({LatencyMs:F1} ms after it was written)",
                ControlCommand.FileNameOf(kind), command.Content, effect, latency.TotalMilliseconds);
            await RecordAsync(
                "control_command",
                $"{command.Content}: {effect} ({latency.TotalMilliseconds:F1} ms after it was written; executor pid {identity.Pid})",
                kind == ControlKind.Timeout ? command.TargetId : null).ConfigureAwait(false);
        }
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

    /// <summary>
    /// Records a handled command. It has already taken effect (acting first keeps the latency to milliseconds), so
    /// a busy database is retried rather than losing the record.
    /// </summary>
    private async Task RecordAsync(string kind, string message, string? phaseId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await events.AppendAsync(kind, message, identity.RunId, phaseId, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Microsoft.EntityFrameworkCore.DbUpdateException && attempt < 5)
            {
                logger.LogWarning(ex, "could not record {Kind} (attempt {Attempt}); retrying", kind, attempt);
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
