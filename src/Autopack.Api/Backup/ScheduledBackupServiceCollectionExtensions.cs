using Autopack.Api.Hosting;
using Autopack.Domain.Settings;
using Autopack.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Autopack.Api.Backup;

/// <summary>Registers <see cref="ScheduledBackupService"/>, which backs up when AUTOPACK_BACKUP_CRON is set (the API server calls this).</summary>
public static class ScheduledBackupServiceCollectionExtensions
{
    /// <summary>
    /// Adds scheduled backups when <see cref="ApiSettings.BackupCron"/> is set; does nothing otherwise. A bad
    /// cron expression throws <see cref="SettingsException"/> naming AUTOPACK_BACKUP_CRON, so start-up stops with it.
    /// Relative paths in the settings are resolved against <paramref name="workingDirectory"/> (default: the
    /// current directory).
    /// </summary>
    public static IServiceCollection AddScheduledBackups(
        this IServiceCollection services, ApiSettings settings, StorageSettings storage, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = ScheduledBackupOptions.FromSettings(settings, storage, workingDirectory ?? Directory.GetCurrentDirectory());
        if (options is null)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddHostedService<ScheduledBackupService>();
        return services;
    }

    /// <summary>
    /// The same, for a host whose <see cref="ApiSettings"/> and <see cref="StorageSettings"/> are services resolved when the host starts: the
    /// schedule is read then, and a bad one stops the start with a <see cref="SettingsException"/>.
    /// </summary>
    public static IServiceCollection AddScheduledBackups(this IServiceCollection services, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(workingDirectory);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService(sp => new ScheduledBackupService(
            ScheduledBackupOptions.FromSettings(sp.GetRequiredService<ApiSettings>(), sp.GetRequiredService<StorageSettings>(), workingDirectory),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ScheduledBackupService>>()));
        return services;
    }
}
