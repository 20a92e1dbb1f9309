using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Api.Backup;

/// <summary>
/// Takes a backup into the backup folder at each occurrence of the cron schedule, then prunes the folder. One
/// backup at a time; a failed one is logged (and recorded by <see cref="BackupWriter"/> as a <c>backup_failed</c> event), and the schedule goes on.
/// Time comes from <see cref="TimeProvider"/>, so tests drive the schedule with a fake clock. Without options (no
/// AUTOPACK_BACKUP_CRON) it does nothing.
/// </summary>
public sealed class ScheduledBackupService(ScheduledBackupOptions? options, TimeProvider time, ILogger<ScheduledBackupService> logger) : BackgroundService
{
    // Task.Delay takes at most ~49 days; a yearly schedule waits in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options is null)
        {
            return;
        }

        logger.LogInformation("scheduled backups '{Schedule}' into {Folder}", options.Schedule, options.BackupDirectory);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = options.Schedule.GetNextOccurrence(time.GetUtcNow(), time.LocalTimeZone);
            if (next is null)
            {
                logger.LogWarning("backup schedule '{Schedule}' has no further occurrence; scheduled backups stop", options.Schedule);
                return;
            }

            try
            {
                for (var wait = next.Value - time.GetUtcNow(); wait > TimeSpan.Zero; wait = next.Value - time.GetUtcNow())
                {
                    await Task.Delay(wait < LongestWait ? wait : LongestWait, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One scheduled backup and prune; null when it failed (logged, never thrown, except on shutdown).</summary>
    public async Task<BackupResult?> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (options is null)
        {
            return null;
        }

        var database = new SqliteDatabase(options.DatabasePath);
        var output = Path.Combine(options.BackupDirectory, BackupFileName.Format(time.GetLocalNow().DateTime));
        try
        {
            var result = await new BackupWriter(database, time)
                .WriteAsync(new BackupSources(options.RuntimeDirectory, options.BuildHistoryPath), output, progress: null, cancellationToken)
                .ConfigureAwait(false);
            var pruned = new BackupPruner(time).Prune(options.BackupDirectory, options.Retention, dryRun: false);
            logger.LogInformation(
                "scheduled backup {Path}: {Bytes} bytes, {Files} files, deflated by {Deflate}, in {Seconds:F1}s; pruned {Deleted}, kept {Kept}",
                result.Path, result.ArchiveBytes, result.Files, result.Deflate, result.Elapsed.TotalSeconds, pruned.Deleted.Count, pruned.Kept.Count);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // BackupWriter has recorded a failed write as a backup_failed event; a failed prune is only logged.
            logger.LogError(ex, "scheduled backup to {Path} failed: {Reason}", output, ex.Message);
            return null;
        }
    }
}
