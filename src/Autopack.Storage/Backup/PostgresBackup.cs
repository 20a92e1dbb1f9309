namespace Autopack.Storage.Backup;

/// <summary>
/// What Autopack says when asked to back up or restore a PostgreSQL installation: its archive holds a SQLite
/// snapshot only, and a PostgreSQL database is backed up with the server's own tools (ADR-039, docs/RUNBOOK.md
/// "PostgreSQL").
/// </summary>
public static class PostgresBackup
{
    /// <summary>The procedure, in one line, for the CLI's refusal and the server's start-up refusal.</summary>
    public const string Procedure =
        "back the database up with pg_dump --format=custom --file=autopack.dump \"$AUTOPACK_DB\" and restore it with "
        + "pg_restore --clean --if-exists --no-owner --dbname=\"$AUTOPACK_DB\" autopack.dump, "
        + "then 'autopack db migrate' (docs/RUNBOOK.md, \"PostgreSQL\")";
}
