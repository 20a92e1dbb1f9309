using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>The SPEC's runs, tiers and phases tables.</summary>
[Migration(202611251700, "runs, tiers and phases")]
public sealed class M202611251700_CreateRunsTiersPhases : Migration
{
    public override void Up()
    {
        Create.Table("runs")
            .WithColumn("run_id").AsString(128).PrimaryKey()
            .WithColumn("status").AsString(32).NotNullable()
            .WithColumn("goal").AsString(int.MaxValue).NotNullable()
            .WithColumn("token_cap").AsInt64().NotNullable()
            .WithColumn("created_at").AsString(40).NotNullable()
            .WithColumn("started_at").AsString(40).Nullable()
            .WithColumn("finished_at").AsString(40).Nullable()
            .WithColumn("failure_reason").AsString(int.MaxValue).Nullable();
        Create.Index("ix_runs_status").OnTable("runs").OnColumn("status");
        Create.Index("ix_runs_created_at").OnTable("runs").OnColumn("created_at");

        Create.Table("tiers")
            .WithColumn("tier_id").AsInt64().PrimaryKey().Identity()
            .WithColumn("run_id").AsString(128).NotNullable().ForeignKey("fk_tiers_runs", "runs", "run_id").OnDelete(System.Data.Rule.Cascade)
            .WithColumn("name").AsString(int.MaxValue).NotNullable()
            .WithColumn("position").AsInt32().NotNullable();
        Create.Index("ux_tiers_run_position").OnTable("tiers")
            .OnColumn("run_id").Ascending().OnColumn("position").Ascending().WithOptions().Unique();

        Create.Table("phases")
            .WithColumn("phase_id").AsString(128).PrimaryKey()
            .WithColumn("run_id").AsString(128).NotNullable().ForeignKey("fk_phases_runs", "runs", "run_id").OnDelete(System.Data.Rule.Cascade)
            .WithColumn("tier_id").AsInt64().NotNullable().ForeignKey("fk_phases_tiers", "tiers", "tier_id").OnDelete(System.Data.Rule.Cascade)
            .WithColumn("phase_name").AsString(int.MaxValue).NotNullable()
            .WithColumn("position").AsInt32().NotNullable()
            .WithColumn("category").AsString(64).Nullable()
            .WithColumn("complexity").AsString(16).Nullable()
            .WithColumn("goal").AsString(int.MaxValue).NotNullable()
            .WithColumn("provider").AsString(32).NotNullable()
            .WithColumn("verify").AsString(int.MaxValue).Nullable()
            .WithColumn("verify_timeout_seconds").AsInt32().Nullable()
            .WithColumn("offline_rejections").AsInt32().NotNullable().WithDefaultValue(0)
            .WithColumn("status").AsString(32).NotNullable()
            .WithColumn("token_cap").AsInt64().NotNullable()
            .WithColumn("attempts").AsInt32().NotNullable().WithDefaultValue(0)
            .WithColumn("max_attempts").AsInt32().NotNullable()
            .WithColumn("created_at").AsString(40).NotNullable()
            .WithColumn("started_at").AsString(40).Nullable()
            .WithColumn("finished_at").AsString(40).Nullable()
            .WithColumn("failure_reason").AsString(int.MaxValue).Nullable();
        Create.Index("ux_phases_run_position").OnTable("phases")
            .OnColumn("run_id").Ascending().OnColumn("position").Ascending().WithOptions().Unique();
        Create.Index("ix_phases_status").OnTable("phases").OnColumn("status");
        Create.Index("ix_phases_tier").OnTable("phases").OnColumn("tier_id");
    }

    public override void Down()
    {
        Delete.Table("phases");
        Delete.Table("tiers");
        Delete.Table("runs");
    }
}
