namespace Autopack.Storage.Backup;

/// <summary>How a backup takes its consistent copy of a live database (ADR-011, ADR-035).</summary>
public enum SnapshotMethod
{
    /// <summary>
    /// The live file read under a read transaction that keeps checkpoints out of it (<see cref="PinnedDatabaseFile"/>),
    /// straight into the archive; the online backup API when the WAL cannot be emptied.
    /// </summary>
    PinnedFile,

    /// <summary>SQLite's online backup API, all pages in one step under one read transaction, into a scratch file.</summary>
    OnlineBackup,

    /// <summary><c>VACUUM INTO</c>: rebuilds the database into a new, compacted scratch file.</summary>
    VacuumInto,
}
