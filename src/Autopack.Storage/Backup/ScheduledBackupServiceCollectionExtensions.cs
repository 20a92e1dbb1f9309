using Autopack.Domain.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autopack.Storage.Backup;

/// <summary>Registers <see cref="ScheduledBackupService"/> when AUTOPACK_BACKUP_CRON is set (the API server calls this).</summary>
public static class ScheduledBackupServiceCollectionExtensions
{
    /// <summary>
    /// Adds scheduled backups when <see cref="AutopackSettings.BackupCron"/> is set; does nothing otherwise. A bad
    /// cron expression throws <see cref="SettingsException"/> naming AUTOPACK_BACKUP_CRON, so start-up stops with it.
    /// Relative paths in the settings are resolved against <paramref name="workingDirectory"/> (default: the
    /// current directory).
    /// </summary>
    public static IServiceCollection AddScheduledBackups(this IServiceCollection services, AutopackSettings settings, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = ScheduledBackupOptions.FromSettings(settings, workingDirectory ?? Directory.GetCurrentDirectory());
        if (options is null)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddHostedService<ScheduledBackupService>();
        return services;
    }
}
