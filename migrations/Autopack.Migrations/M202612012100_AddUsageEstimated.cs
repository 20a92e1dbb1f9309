using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// A usage row whose tokens were estimated, not reported: an HTTP attempt the provider may have billed without
/// giving usage (a timeout after the request was sent, a connection dropped mid-reply, a malformed 2xx reply) is
/// charged its counted prompt tokens, so no retry spends tokens that no row shows (ADR-017).
/// </summary>
[Migration(202612012100, "llm_usage_events.estimated")]
public sealed class M202612012100_AddUsageEstimated : Migration
{
    public override void Up()
    {
        Alter.Table("llm_usage_events")
            .AddColumn("estimated").AsInt32().NotNullable().WithDefaultValue(0);
    }

    public override void Down()
    {
        Delete.Column("estimated").FromTable("llm_usage_events");
    }
}
