using Autopack.Api.Control;
using Autopack.Domain.Budgets;
using Autopack.Domain.Settings;
using Autopack.Storage;
using Autopack.Storage.Database;
using Autopack.Storage.Runtime;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autopack.Api.Hosting;

/// <summary>
/// Settings, paths and storage, all resolved from the final configuration when first needed (not while the
/// builder is being composed), so test hosts and the real process see the same values the host does.
/// </summary>
public static class SettingsServiceCollectionExtensions
{
    public static IServiceCollection AddAutopackSettings(this IServiceCollection services, string workingDirectory)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>().Reader());
        services.AddSingleton(sp => StorageSettings.Load(sp.GetRequiredService<SettingsReader>()));
        services.AddSingleton(sp => BudgetSettings.Load(sp.GetRequiredService<SettingsReader>()));
        services.AddSingleton(sp => ApiSettings.Load(sp.GetRequiredService<SettingsReader>(), sp.GetRequiredService<StorageSettings>()));
        services.AddSingleton(sp => new InstallationPaths(workingDirectory, sp.GetRequiredService<StorageSettings>(), sp.GetRequiredService<ApiSettings>()));

        services.AddAutopackStorage(sp => sp.GetRequiredService<InstallationPaths>().DatabasePath);
        services.AddSingleton(sp => new RuntimeFolder(sp.GetRequiredService<InstallationPaths>().RunsDirectory));
        services.AddSingleton<ControlRequests>();
        services.AddSingleton<ControlRequestSender>();

        // POST /runs checks a plan's repository and base with git before the run is stored.
        services.AddSingleton<CommandRunner>();
        services.AddSingleton<RunWorkspaces>();
        return services;
    }
}
