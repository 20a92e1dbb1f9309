using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// The run queue that <c>autopack worker</c> processes share (SPEC "Past one machine", ADR-031): one row of queue
/// settings (dispatch on/off, mode NORMAL or DRAINING, the global <c>executing_limit</c>), the workers with their
/// heartbeats, and every claim of a run by a worker (so a dead worker's runs can be taken over, visibly). Integers
/// for flags and fixed-width UTC text for times, as in the other tables, so the same SQL reads on SQLite and PostgreSQL.
/// </summary>
[Migration(202612041501, "run queue: queue_settings, workers, run_claims")]
public sealed class M202612041501_CreateRunQueue : Migration
{
    public override void Up()
    {
        Create.Table("queue_settings")
            .WithColumn("id").AsInt32().PrimaryKey()
            .WithColumn("dispatch").AsInt32().NotNullable().WithDefaultValue(1)
            .WithColumn("mode").AsString(16).NotNullable().WithDefaultValue("NORMAL")
            .WithColumn("executing_limit").AsInt32().Nullable()
            .WithColumn("updated_at").AsString(40).NotNullable()
            .WithColumn("updated_by").AsString(64).Nullable();

        // The one row every claim reads (and, on PostgreSQL, locks): dispatch on, NORMAL, no global limit.
        Insert.IntoTable("queue_settings").Row(new { id = 1, dispatch = 1, mode = "NORMAL", updated_at = "1970-01-01T00:00:00.000Z" });

        Create.Table("workers")
            .WithColumn("worker_id").AsString(64).PrimaryKey()
            .WithColumn("host").AsString(255).NotNullable()
            .WithColumn("pid").AsInt32().NotNullable()
            .WithColumn("concurrency").AsInt32().NotNullable()
            .WithColumn("state").AsString(16).NotNullable()
            .WithColumn("started_at").AsString(40).NotNullable()
            .WithColumn("heartbeat_at").AsString(40).NotNullable();

        Create.Table("run_claims")
            .WithColumn("id").AsInt64().PrimaryKey().Identity()
            .WithColumn("run_id").AsString(128).NotNullable()
            .WithColumn("worker_id").AsString(64).NotNullable()
            .WithColumn("claimed_at").AsString(40).NotNullable()
            .WithColumn("claimed_status").AsString(32).NotNullable()
            .WithColumn("executor_pid").AsInt32().Nullable()
            .WithColumn("released_at").AsString(40).Nullable()
            .WithColumn("exit_code").AsInt32().Nullable()
            .WithColumn("outcome").AsString(int.MaxValue).Nullable()
            .WithColumn("retry_after").AsString(40).Nullable();
        Create.Index("ix_run_claims_run_released").OnTable("run_claims")
            .OnColumn("run_id").Ascending()
            .OnColumn("released_at").Ascending();
        // At most one open claim per run, whatever a claimer's isolation level lets it see (PostgreSQL's READ
        // COMMITTED re-checks a locked row, not the subqueries that found it): a second INSERT fails instead.
        Execute.Sql("CREATE UNIQUE INDEX ux_run_claims_open ON run_claims (run_id) WHERE released_at IS NULL");
        Create.Index("ix_run_claims_worker_released").OnTable("run_claims")
            .OnColumn("worker_id").Ascending()
            .OnColumn("released_at").Ascending();

        // Oldest first among QUEUED (and stale EXECUTING) runs: one index range, already in order.
        Create.Index("ix_runs_status_created").OnTable("runs")
            .OnColumn("status").Ascending()
            .OnColumn("created_at").Ascending();
    }

    public override void Down()
    {
        Delete.Index("ix_runs_status_created").OnTable("runs");
        Delete.Index("ix_run_claims_worker_released").OnTable("run_claims");
        Delete.Index("ux_run_claims_open").OnTable("run_claims");
        Delete.Index("ix_run_claims_run_released").OnTable("run_claims");
        Delete.Table("run_claims");
        Delete.Table("workers");
        Delete.Table("queue_settings");
    }
}
