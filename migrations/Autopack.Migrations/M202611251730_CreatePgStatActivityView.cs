using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// The runbook checks pool stats with <c>sqlite3 autopack.db "SELECT COUNT(*) FROM pg_stat_activity"</c>, a query
/// written for PostgreSQL. SQLite has no server sessions; the processes that hold the database for long are the
/// executors, so this view lists them (one row per executor holding a run's lease) and the runbook command works
/// as written. The API's own pool is reported in /health (db_pool_health). On PostgreSQL the query reads the server's
/// own view of that name, so nothing is created there.
/// </summary>
[Migration(202611251730, "pg_stat_activity view for the runbook's pool check")]
public sealed class M202611251730_CreatePgStatActivityView : Migration
{
    public override void Up() =>
        IfDatabase(ProcessorIds.SQLite).Execute.Sql("""
            CREATE VIEW pg_stat_activity AS
            SELECT pid, host AS client_hostname, run_id, owner_id, acquired_at AS backend_start,
                   heartbeat_at AS state_change, 'active' AS state, 'autopack execute --run-id ' || run_id AS query
            FROM executor_leases
            """);

    public override void Down() => IfDatabase(ProcessorIds.SQLite).Execute.Sql("DROP VIEW IF EXISTS pg_stat_activity");
}
