using Autopack.Api.Hosting;
using Autopack.Domain.Settings;
using Autopack.Storage;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Cronos;

namespace Autopack.Api.Backup;

/// <summary>
/// What the server's scheduled backups need: the cron schedule (AUTOPACK_BACKUP_CRON, evaluated in the machine's
/// local time zone like crontab), the folder backups go to and are pruned in (AUTOPACK_BACKUP_DIR), what to back
/// up, and the retention applied after each backup.
/// </summary>
public sealed record ScheduledBackupOptions(
    CronExpression Schedule,
    string BackupDirectory,
    string DatabasePath,
    string RuntimeDirectory,
    string? BuildHistoryPath,
    RetentionPolicy Retention)
{
    /// <summary>
    /// The options the settings ask for, paths resolved against <paramref name="workingDirectory"/>; null when no schedule is
    /// set. A schedule with a PostgreSQL <c>AUTOPACK_DB</c> is refused naming AUTOPACK_BACKUP_CRON and the pg_dump procedure.
    /// </summary>
    public static ScheduledBackupOptions? FromSettings(ApiSettings settings, StorageSettings storage, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(storage);
        if (settings.BackupCron is not { } cron)
        {
            return null;
        }

        var schedule = ParseCron(cron);
        if (PostgresConnectionString.IsConnection(storage.DatabasePath))
        {
            // The archive holds a SQLite snapshot; a PostgreSQL database is backed up with the server's tools (ADR-039).
            throw new SettingsException(
                "AUTOPACK_BACKUP_CRON", $"scheduled backups snapshot a SQLite database, and AUTOPACK_DB names a PostgreSQL one: unset it and {PostgresBackup.Procedure}");
        }

        var paths = storage.ResolvedAgainst(workingDirectory);
        return new ScheduledBackupOptions(
            schedule, paths.BackupDirectory, paths.DatabasePath, paths.RunsDirectory, paths.BuildHistoryPath, new RetentionPolicy());
    }

    /// <summary>Five fields as in crontab (<c>0 2 * * *</c>), or six with seconds first; a bad one names the setting.</summary>
    public static CronExpression ParseCron(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return CronExpression.Parse(text.Trim(), format);
        }
        catch (CronFormatException ex)
        {
            throw new SettingsException("AUTOPACK_BACKUP_CRON", $"'{text}' is not a cron expression ({ex.Message}); e.g. '0 2 * * *' for 02:00 daily");
        }
    }
}
