using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// Stop, abort and timeout requests stored per run (SPEC "Past one machine"): a request made with the CLI or the
/// API is never overwritten by another run's, waits for a queued run, and reaches an executor on any host. The
/// executor marks each one handled once; operators' echoes are recorded here too (source <c>file</c>).
/// </summary>
[Migration(202612012110, "control requests stored per run")]
public sealed class M202612012110_CreateControlRequests : Migration
{
    public override void Up()
    {
        Create.Table("control_requests")
            .WithColumn("id").AsInt64().PrimaryKey().Identity()
            .WithColumn("run_id").AsString(128).NotNullable()
            .WithColumn("phase_id").AsString(128).Nullable()
            .WithColumn("kind").AsString(16).NotNullable()
            .WithColumn("source").AsString(16).NotNullable()
            .WithColumn("requested_at").AsString(40).NotNullable()
            .WithColumn("handled_at").AsString(40).Nullable()
            .WithColumn("handled_by").AsString(255).Nullable()
            .WithColumn("outcome").AsString(int.MaxValue).Nullable();
        Create.Index("ix_control_requests_run_handled").OnTable("control_requests")
            .OnColumn("run_id").Ascending()
            .OnColumn("handled_at").Ascending();
    }

    public override void Down()
    {
        Delete.Index("ix_control_requests_run_handled").OnTable("control_requests");
        Delete.Table("control_requests");
    }
}
