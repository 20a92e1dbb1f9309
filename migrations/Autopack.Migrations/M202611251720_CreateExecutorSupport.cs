using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// What the two processes share beyond the SPEC's tables: executor leases with heartbeats, in-flight token
/// reservations (so budgets are never held in memory), and the circuit-breaker states the executors publish.
/// </summary>
[Migration(202611251720, "executor leases, token reservations, circuit breakers")]
public sealed class M202611251720_CreateExecutorSupport : Migration
{
    public override void Up()
    {
        Create.Table("executor_leases")
            .WithColumn("run_id").AsString(128).PrimaryKey()
            .WithColumn("owner_id").AsString(64).NotNullable()
            .WithColumn("pid").AsInt32().NotNullable()
            .WithColumn("host").AsString(255).NotNullable()
            .WithColumn("acquired_at").AsString(40).NotNullable()
            .WithColumn("heartbeat_at").AsString(40).NotNullable();

        Create.Table("token_reservations")
            .WithColumn("id").AsInt64().PrimaryKey().Identity()
            .WithColumn("run_id").AsString(128).NotNullable()
            .WithColumn("phase_id").AsString(128).NotNullable()
            .WithColumn("tokens").AsInt64().NotNullable()
            .WithColumn("owner_id").AsString(64).NotNullable()
            .WithColumn("created_at").AsString(40).NotNullable();
        Create.Index("ix_reservations_run").OnTable("token_reservations").OnColumn("run_id");
        Create.Index("ix_reservations_phase").OnTable("token_reservations").OnColumn("phase_id");

        Create.Table("circuit_breakers")
            .WithColumn("name").AsString(64).PrimaryKey()
            .WithColumn("state").AsString(16).NotNullable()
            .WithColumn("failure_count").AsInt32().NotNullable()
            .WithColumn("opened_at").AsString(40).Nullable()
            .WithColumn("updated_at").AsString(40).NotNullable()
            .WithColumn("reported_by").AsString(64).Nullable()
            .WithColumn("reset_requested_at").AsString(40).Nullable();
    }

    public override void Down()
    {
        Delete.Table("circuit_breakers");
        Delete.Table("token_reservations");
        Delete.Table("executor_leases");
    }
}
