using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// What a run really changes: the run's repository (null: an empty one initialised for it), the commit it starts
/// from and its branch; a phase's write scope, turn bound and offline script, and the commit it became.
/// </summary>
[Migration(202612011200, "workspace, branch and per-phase commits")]
public sealed class M202612011200_AddWorkspaceAndCommits : Migration
{
    public override void Up()
    {
        Alter.Table("runs")
            .AddColumn("repository").AsString(int.MaxValue).Nullable()
            .AddColumn("base_commit").AsString(64).Nullable()
            .AddColumn("branch").AsString(256).Nullable();

        Alter.Table("phases")
            .AddColumn("scope").AsString(int.MaxValue).Nullable()
            .AddColumn("max_turns").AsInt32().NotNullable().WithDefaultValue(30)
            .AddColumn("offline_edits").AsString(int.MaxValue).Nullable()
            .AddColumn("commit_sha").AsString(64).Nullable();
    }

    public override void Down()
    {
        Delete.Column("commit_sha").Column("offline_edits").Column("max_turns").Column("scope").FromTable("phases");
        Delete.Column("branch").Column("base_commit").Column("repository").FromTable("runs");
    }
}
