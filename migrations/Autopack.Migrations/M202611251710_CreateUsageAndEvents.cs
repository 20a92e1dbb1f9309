using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// llm_usage_events (one row per provider call) and the append-only events trail. The covering index
/// (run_id, phase_id, prompt_tokens, completion_tokens) serves the runbook's usage-by-run and usage-by-phase
/// queries and the budget checks without touching the table.
/// </summary>
[Migration(202611251710, "llm_usage_events and events")]
public sealed class M202611251710_CreateUsageAndEvents : Migration
{
    public override void Up()
    {
        Create.Table("llm_usage_events")
            .WithColumn("id").AsInt64().PrimaryKey().Identity()
            .WithColumn("run_id").AsString(128).NotNullable()
            .WithColumn("phase_id").AsString(128).NotNullable()
            .WithColumn("phase_name").AsString(int.MaxValue).NotNullable()
            .WithColumn("provider").AsString(32).NotNullable()
            .WithColumn("model").AsString(128).NotNullable()
            .WithColumn("role").AsString(32).NotNullable()
            .WithColumn("prompt_tokens").AsInt64().NotNullable()
            .WithColumn("completion_tokens").AsInt64().NotNullable()
            .WithColumn("created_at").AsString(40).NotNullable();
        Create.Index("ix_usage_run_phase_tokens").OnTable("llm_usage_events")
            .OnColumn("run_id").Ascending()
            .OnColumn("phase_id").Ascending()
            .OnColumn("prompt_tokens").Ascending()
            .OnColumn("completion_tokens").Ascending();
        Create.Index("ix_usage_phase").OnTable("llm_usage_events").OnColumn("phase_id");
        Create.Index("ix_usage_created_at").OnTable("llm_usage_events").OnColumn("created_at");

        Create.Table("events")
            .WithColumn("id").AsInt64().PrimaryKey().Identity()
            .WithColumn("run_id").AsString(128).Nullable()
            .WithColumn("phase_id").AsString(128).Nullable()
            .WithColumn("kind").AsString(64).NotNullable()
            .WithColumn("message").AsString(int.MaxValue).NotNullable()
            .WithColumn("created_at").AsString(40).NotNullable();
        Create.Index("ix_events_run").OnTable("events").OnColumn("run_id").Ascending().OnColumn("id").Ascending();
        Create.Index("ix_events_kind").OnTable("events").OnColumn("kind");
    }

    public override void Down()
    {
        Delete.Table("events");
        Delete.Table("llm_usage_events");
    }
}
