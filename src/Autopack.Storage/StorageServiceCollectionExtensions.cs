using Autopack.Storage.Breakers;
using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Events;
using Autopack.Storage.Leases;
using Autopack.Storage.Queue;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Storage;

/// <summary>Registers the database and its stores.</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddAutopackStorage(this IServiceCollection services, string databasePath) =>
        services.AddAutopackStorage(_ => databasePath);

    /// <summary>Registers storage with the database path resolved when first needed (from final configuration, say).</summary>
    public static IServiceCollection AddAutopackStorage(this IServiceCollection services, Func<IServiceProvider, string> databasePath)
    {
        ArgumentNullException.ThrowIfNull(databasePath);
        // AUTOPACK_DB names a SQLite file or a PostgreSQL database (ADR-039); what only SQLite has (online backups,
        // its integrity check) asks for SqliteDatabase, which a PostgreSQL installation does not provide.
        services.AddSingleton(sp => AutopackDatabase.FromSetting(databasePath(sp)));
        services.AddSingleton(sp => sp.GetRequiredService<AutopackDatabase>() as SqliteDatabase
            ?? throw new NotSupportedException($"this needs a SQLite database; AUTOPACK_DB names {sp.GetRequiredService<AutopackDatabase>()}"));
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<RunDetailReader>();
        services.AddSingleton<RunStateWriter>();
        services.AddSingleton<UsageQueries>();
        services.AddSingleton<TokenLedger>();
        services.AddSingleton<EventLog>();
        services.AddSingleton<ControlRequestStore>();
        services.AddSingleton<ExecutorLeases>();
        services.AddSingleton<BreakerStates>();
        services.AddSingleton<QueueControl>();
        services.AddSingleton<QueueReader>();
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<RunClaims>();
        return services;
    }
}
