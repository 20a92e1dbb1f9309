using Autopack.Storage.Database;
using Autopack.Storage.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autopack.Storage.Backup;

/// <summary>
/// Takes a backup into the backup folder at each occurrence of the cron schedule, then prunes the folder. One
/// backup at a time; a failed one is logged and recorded as a <c>backup_failed</c> event, and the schedule goes on.
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
                "scheduled backup {Path}: {Bytes} bytes, {Files} files in {Seconds:F1}s; pruned {Deleted}, kept {Kept}",
                result.Path, result.ArchiveBytes, result.Files, result.Elapsed.TotalSeconds, pruned.Deleted.Count, pruned.Kept.Count);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "scheduled backup to {Path} failed: {Reason}", output, ex.Message);
            await RecordFailureAsync(database, output, ex).ConfigureAwait(false);
            return null;
        }
    }

    private async Task RecordFailureAsync(SqliteDatabase database, string output, Exception failure)
    {
        if (!File.Exists(database.FullPath))
        {
            // Opening it would create an empty database; the log line is the record.
            return;
        }

        try
        {
            await new EventLog(database, time).AppendAsync("backup_failed", $"scheduled backup to {output} failed: {failure.Message}").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Microsoft.EntityFrameworkCore.DbUpdateException or IOException)
        {
            logger.LogWarning(ex, "could not record the failed backup in the events trail");
        }
    }
}
