using Autopack.Api.Hosting;
using Autopack.Storage;
using Autopack.Storage.Database;
using Autopack.Storage.Runtime;

namespace Autopack.Cli;

/// <summary>
/// What a command needs: its output streams, the settings (read when first asked for, so <c>--help</c> works
/// whatever the environment says), and the database and runtime folder they name. Disposing it closes the
/// database's connection pool (a PostgreSQL data source) if a command opened one.
/// </summary>
public sealed class CliContext(string workingDirectory, TextWriter output, TextWriter error) : IAsyncDisposable
{
    private AutopackSettings? settings;
    private AutopackDatabase? database;

    public string WorkingDirectory { get; } = workingDirectory;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TimeProvider Time { get; } = TimeProvider.System;

    public AutopackSettings Settings => settings ??= AutopackSettings.Load(AutopackConfiguration.Build(WorkingDirectory).Reader());

    /// <summary>The settings with every path made absolute against the working directory, for hosts that outlive it.</summary>
    public AutopackSettings ResolvedSettings => Settings.ResolvedAgainst(WorkingDirectory);

    public StorageSettings Storage => Settings.Executor.Storage;

    /// <summary>
    /// The database <c>AUTOPACK_DB</c> names: a SQLite file (relative to the working directory) or a PostgreSQL
    /// database; an unusable PostgreSQL connection is refused naming the setting (ADR-039).
    /// </summary>
    public AutopackDatabase Database => database ??= AutopackDatabase.FromSetting(AutopackDatabase.ResolveSetting(Storage.DatabasePath, WorkingDirectory));

    /// <summary>The SQLite database, for what only a SQLite file has; on PostgreSQL <paramref name="operation"/> is refused in one line.</summary>
    public SqliteDatabase SqliteOnly(string operation, string postgresAlternative) =>
        Database as SqliteDatabase
        ?? throw new CliException($"{operation} does not apply to PostgreSQL (AUTOPACK_DB names {Database.Location}): {postgresAlternative}");

    public RuntimeFolder Runtime => new(ResolvePath(Storage.RunsDirectory));

    public string ResolvePath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>Opens the database, refusing one that is missing, not migrated, or newer than this build.</summary>
    public AutopackDatabase MigratedDatabase()
    {
        var opened = Database;
        if (opened is SqliteDatabase sqlite && !File.Exists(sqlite.FullPath))
        {
            throw new CliException($"no database at {sqlite.FullPath}: run 'autopack db migrate' first (or set AUTOPACK_DB)");
        }

        var versions = new DatabaseMigrator(opened).GetVersions();
        if (versions.NewerThanThisBuild)
        {
            throw new CliException($"database schema {versions.Current} is newer than this autopack knows ({versions.Latest}); upgrade autopack");
        }

        if (!versions.UpToDate)
        {
            throw new CliException($"database schema is at {versions.Current}, latest is {versions.Latest}: run 'autopack db migrate'");
        }

        return opened;
    }

    public async ValueTask DisposeAsync()
    {
        if (database is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }
}
