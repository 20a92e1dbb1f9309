using System.Reflection;
using Autopack.Migrations;
using FluentMigrator;
using FluentMigrator.Runner;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Storage.Database;

/// <summary>
/// Runs the FluentMigrator migrations and reads schema versions, on SQLite or PostgreSQL (one set of migrations;
/// <c>IfDatabase</c> only where the SQL differs). Migrating is an explicit step (<c>autopack db migrate</c>); nothing
/// migrates behind the operator's back except restore, which migrates an older backup forward.
/// </summary>
public sealed class DatabaseMigrator(AutopackDatabase database)
{
    public const string VersionTable = "VersionInfo";

    /// <summary>The newest migration version in this build.</summary>
    public static long LatestVersion => MigrationsAssembly.LatestVersion;

    /// <summary>The newest version found by scanning the migrations assembly (what <see cref="LatestVersion"/> must equal).</summary>
    internal static long ScannedLatestVersion() => MigrationsAssembly.Assembly.GetTypes()
        .Select(t => t.GetCustomAttribute<MigrationAttribute>()?.Version ?? 0)
        .Max();

    public void MigrateUp()
    {
        (database as SqliteDatabase)?.EnableWal();
        using var provider = BuildRunner();
        provider.GetRequiredService<IMigrationRunner>().MigrateUp();
    }

    public void MigrateDown(long version)
    {
        using var provider = BuildRunner();
        provider.GetRequiredService<IMigrationRunner>().MigrateDown(version);
    }

    public SchemaVersions GetVersions() => new(CurrentVersion(), LatestVersion);

    /// <summary>The highest applied version, 0 for a database never migrated (or a SQLite file that does not exist).</summary>
    public long CurrentVersion()
    {
        if (database is SqliteDatabase sqlite && !File.Exists(sqlite.FullPath))
        {
            return 0;
        }

        using var connection = database.OpenConnectionAsync().GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        command.CommandText = database is SqliteDatabase
            ? $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{VersionTable}'"
            : $"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{VersionTable}'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        command.CommandText = $"SELECT coalesce(max(\"Version\"), 0) FROM \"{VersionTable}\"";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>PRAGMA integrity_check: the lines SQLite returns (<c>ok</c> alone when sound). SQLite only.</summary>
    /// <exception cref="NotSupportedException">the database is PostgreSQL, whose server checks its own pages.</exception>
    public IReadOnlyList<string> IntegrityCheck()
    {
        var sqlite = database as SqliteDatabase
            ?? throw new NotSupportedException("db integrity runs SQLite's integrity_check; on PostgreSQL use the server's own tools (pg_amcheck)");
        using var connection = sqlite.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    private ServiceProvider BuildRunner() =>
        new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner =>
            {
                var configured = database switch
                {
                    SqliteDatabase sqlite => runner.AddSQLite().WithGlobalConnectionString(sqlite.ConnectionString),
                    PostgresDatabase postgres => runner.AddPostgres().WithGlobalConnectionString(postgres.ConnectionString),
                    _ => throw new NotSupportedException($"no migration runner for {database.Engine}"),
                };
                configured.ScanIn(MigrationsAssembly.Assembly).For.Migrations();
            })
            .BuildServiceProvider(false);

    /// <summary>Keeps the SQLite provider assembly referenced so FluentMigrator's factory can load it.</summary>
    internal static Type ProviderType => typeof(SqliteConnection);
}
