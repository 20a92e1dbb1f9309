namespace Autopack.Storage.Backup;

/// <summary>How <see cref="DatabaseSnapshot"/> copies a live database (ADR: the online backup API is the default, measured faster).</summary>
public enum SnapshotMethod
{
    /// <summary>SQLite's online backup API, all pages in one step under one read transaction.</summary>
    OnlineBackup,

    /// <summary><c>VACUUM INTO</c>: rebuilds the database into a new, compacted file.</summary>
    VacuumInto,
}
