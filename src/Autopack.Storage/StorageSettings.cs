using Autopack.Domain.Settings;
using Autopack.Storage.Database;

namespace Autopack.Storage;

/// <summary>
/// Where Autopack keeps its state and how a lease is judged: the database, the runtime folder (control files, one
/// folder per run), the build-history ledger, the backup folder, and the age at which a lease's heartbeat is stale.
/// Relative paths are relative to the working folder; <see cref="ResolvedAgainst"/> makes them absolute.
/// <see cref="DatabasePath"/> is <c>AUTOPACK_DB</c> as given: a SQLite file path or a PostgreSQL connection (ADR-039).
/// </summary>
public sealed record StorageSettings
{
    public string DatabasePath { get; init; } = "autopack.db";

    public string RunsDirectory { get; init; } = ".autonomous_runs";

    /// <summary>The append-only ledger each finished run adds an entry to.</summary>
    public string BuildHistoryPath { get; init; } = Path.Combine("docs", "BUILD_HISTORY.md");

    public string BackupDirectory { get; init; } = "backups";

    /// <summary>A lease whose heartbeat is older than this is stale: its executor is taken to be dead.</summary>
    public int LeaseStaleSeconds { get; init; } = 15;

    public static StorageSettings Load(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var defaults = new StorageSettings();
        return new StorageSettings
        {
            DatabasePath = reader.Text("AUTOPACK_DB") ?? defaults.DatabasePath,
            RunsDirectory = reader.Text("AUTOPACK_RUNS_DIR") ?? defaults.RunsDirectory,
            BuildHistoryPath = reader.Text("AUTOPACK_BUILD_HISTORY") ?? defaults.BuildHistoryPath,
            BackupDirectory = reader.Text("AUTOPACK_BACKUP_DIR") ?? defaults.BackupDirectory,
            LeaseStaleSeconds = reader.Int("AUTOPACK_LEASE_STALE_SECONDS", 2, 3600) ?? defaults.LeaseStaleSeconds,
        };
    }

    /// <summary>Every path made absolute against <paramref name="workingDirectory"/>, for hosts that outlive it.</summary>
    public StorageSettings ResolvedAgainst(string workingDirectory) => this with
    {
        DatabasePath = AutopackDatabase.ResolveSetting(DatabasePath, workingDirectory),
        RunsDirectory = Path.GetFullPath(RunsDirectory, workingDirectory),
        BuildHistoryPath = Path.GetFullPath(BuildHistoryPath, workingDirectory),
        BackupDirectory = Path.GetFullPath(BackupDirectory, workingDirectory),
    };
}
