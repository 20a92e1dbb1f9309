using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// A phase's external builder and its models per attempt (ADR-040): the plan's <c>builder.command</c> and
/// <c>builder.timeout_seconds</c> (null: the built-in agent loop; the default timeout), and <c>models</c> as a JSON
/// array (null: the provider's configured model). Nullable columns, so runs stored before keep working unchanged.
/// </summary>
[Migration(202612101200, "phases.builder_command, builder_timeout_seconds, models")]
public sealed class M202612101200_AddPhaseBuilderAndModels : Migration
{
    public override void Up()
    {
        Alter.Table("phases")
            .AddColumn("builder_command").AsString(int.MaxValue).Nullable()
            .AddColumn("builder_timeout_seconds").AsInt32().Nullable()
            .AddColumn("models").AsString(int.MaxValue).Nullable();
    }

    public override void Down()
    {
        Delete.Column("models").Column("builder_timeout_seconds").Column("builder_command").FromTable("phases");
    }
}
