using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Control;

/// <summary>
/// Wakes the <see cref="ControlInbox"/>: at once when FileSystemWatcher reports a control file (inotify: acts within
/// milliseconds), and every <see cref="PollInterval"/> in any case, which both covers dropped file events (overflow,
/// unsupported file systems) and polls the run's stored requests in <c>control_requests</c>.
/// </summary>
public sealed class ControlFileWatcher(
    Storage.Runtime.RuntimeFolder runtime,
    RunControl control,
    ControlInbox inbox,
    TimeProvider time,
    ILogger<ControlFileWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim changed = new(0);

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

        // A stop wakes the wait rather than cancelling it: a cancelled wait throws an exception with a file-and-line
        // stack trace (read from the PDBs), which would cost every executor's exit some milliseconds.
        using var wakeOnStop = stoppingToken.Register(static s => ((SemaphoreSlim)s!).Release(), changed);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await inbox.CheckAsync(stoppingToken).ConfigureAwait(false);
                await changed.WaitAsync(PollInterval, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                logger.LogWarning(ex, "control check failed; retrying");
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
        if (ControlInbox.Kinds.Any(k => Storage.Runtime.ControlCommand.FileNameOf(k) == e.Name))
        {
            changed.Release();
        }
    }
}
