using Autopack.Api.Hosting;
using Autopack.Storage;
using Autopack.Storage.Database;
using Autopack.Storage.Runtime;

namespace Autopack.Cli;

/// <summary>
/// What a command needs: its output streams, the settings (read when first asked for, so <c>--help</c> works
/// whatever the environment says), and the database and runtime folder they name.
/// </summary>
public sealed class CliContext(string workingDirectory, TextWriter output, TextWriter error)
{
    private AutopackSettings? settings;

    public string WorkingDirectory { get; } = workingDirectory;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TimeProvider Time { get; } = TimeProvider.System;

    public AutopackSettings Settings => settings ??= AutopackSettings.Load(AutopackConfiguration.Build(WorkingDirectory).Reader());

    /// <summary>The settings with every path made absolute against the working directory, for hosts that outlive it.</summary>
    public AutopackSettings ResolvedSettings => Settings.ResolvedAgainst(WorkingDirectory);

    public StorageSettings Storage => Settings.Executor.Storage;

    public SqliteDatabase Database => new(ResolvePath(Storage.DatabasePath));

    public RuntimeFolder Runtime => new(ResolvePath(Storage.RunsDirectory));

    public string ResolvePath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>Opens the database, refusing one that is missing, not migrated, or newer than this build.</summary>
    public SqliteDatabase MigratedDatabase()
    {
        var database = Database;
        if (!File.Exists(database.FullPath))
        {
            throw new CliException($"no database at {database.FullPath}: run 'autopack db migrate' first (or set AUTOPACK_DB)");
        }

        var versions = new DatabaseMigrator(database).GetVersions();
        if (versions.NewerThanThisBuild)
        {
            throw new CliException($"database schema {versions.Current} is newer than this autopack knows ({versions.Latest}); upgrade autopack");
        }

        if (!versions.UpToDate)
        {
            throw new CliException($"database schema is at {versions.Current}, latest is {versions.Latest}: run 'autopack db migrate'");
        }

        return database;
    }
}
