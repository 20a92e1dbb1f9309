namespace Autopack.Storage.Backup;

/// <summary>
/// What Autopack says when asked to back up or restore a PostgreSQL installation: its archive holds a SQLite
/// snapshot only, and a PostgreSQL database is backed up with the server's own tools (ADR-039, docs/RUNBOOK.md
/// "PostgreSQL", which gives these commands verbatim).
/// </summary>
public static class PostgresBackup
{
    /// <summary>A consistent snapshot of the whole database while everything runs (pg_dump reads in one transaction).</summary>
    public const string DumpCommand = "pg_dump --format=custom --file=autopack.dump \"$AUTOPACK_DB\"";

    /// <summary>Replaces the database's objects with the dump's (stop the server, workers and executors first).</summary>
    public const string RestoreCommand = "pg_restore --clean --if-exists --no-owner --dbname=\"$AUTOPACK_DB\" autopack.dump";

    /// <summary>The procedure, in one line, for the CLI's refusal and the server's start-up refusal.</summary>
    public const string Procedure =
        $"back the database up with {DumpCommand} and restore it with {RestoreCommand}, then 'autopack db migrate' (docs/RUNBOOK.md, \"PostgreSQL\")";
}
