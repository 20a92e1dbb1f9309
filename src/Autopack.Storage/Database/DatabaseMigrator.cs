using System.Reflection;
using Autopack.Migrations;
using FluentMigrator;
using FluentMigrator.Runner;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Storage.Database;

/// <summary>
/// Runs the FluentMigrator migrations and reads schema versions. Migrating is an explicit step
/// (<c>autopack db migrate</c>); nothing migrates behind the operator's back except restore, which migrates an
/// older backup forward.
/// </summary>
public sealed class DatabaseMigrator(SqliteDatabase database)
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
        database.EnableWal();
        using var provider = BuildRunner();
        provider.GetRequiredService<IMigrationRunner>().MigrateUp();
    }

    public void MigrateDown(long version)
    {
        using var provider = BuildRunner();
        provider.GetRequiredService<IMigrationRunner>().MigrateDown(version);
    }

    public SchemaVersions GetVersions() => new(CurrentVersion(), LatestVersion);

    /// <summary>The highest applied version, 0 for a database never migrated (or a file that does not exist).</summary>
    public long CurrentVersion()
    {
        if (!File.Exists(database.FullPath))
        {
            return 0;
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=$name";
        command.Parameters.AddWithValue("$name", VersionTable);
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        command.Parameters.Clear();
        command.CommandText = $"SELECT coalesce(max(Version), 0) FROM \"{VersionTable}\"";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>PRAGMA integrity_check: the lines SQLite returns (<c>ok</c> alone when sound).</summary>
    public IReadOnlyList<string> IntegrityCheck()
    {
        using var connection = database.Open();
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
            .ConfigureRunner(runner => runner
                .AddSQLite()
                .WithGlobalConnectionString(database.ConnectionString)
                .ScanIn(MigrationsAssembly.Assembly).For.Migrations())
            .BuildServiceProvider(false);

    /// <summary>Keeps the SQLite provider assembly referenced so FluentMigrator's factory can load it.</summary>
    internal static Type ProviderType => typeof(SqliteConnection);
}
