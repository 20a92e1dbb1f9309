using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// Running totals of used and reserved tokens per run and per phase, kept by triggers on llm_usage_events and
/// token_reservations. The budget check read the sum of all of a run's usage rows on every reserve and settle:
/// 2 ms per call after 20,000 calls, growing with the run. With the totals it is two primary-key lookups.
/// Triggers (not application code) keep them, so rows written by any process, sqlite3 included, stay counted.
/// </summary>
[Migration(202611251750, "budget_totals kept by triggers")]
public sealed class M202611251750_CreateBudgetTotals : Migration
{
    private static readonly string[] Triggers =
    [
        "trg_usage_totals_insert", "trg_usage_totals_delete", "trg_usage_totals_update",
        "trg_reservation_totals_insert", "trg_reservation_totals_delete", "trg_reservation_totals_update",
    ];

    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE budget_totals (
              scope TEXT NOT NULL CHECK (scope IN ('run', 'phase')),
              id TEXT NOT NULL,
              used_tokens INTEGER NOT NULL DEFAULT 0,
              reserved_tokens INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (scope, id)
            ) WITHOUT ROWID
            """);

        Execute.Sql("""
            INSERT INTO budget_totals (scope, id, used_tokens, reserved_tokens)
            SELECT 'run', run_id, sum(prompt_tokens + completion_tokens), 0 FROM llm_usage_events GROUP BY run_id
            """);
        Execute.Sql("""
            INSERT INTO budget_totals (scope, id, used_tokens, reserved_tokens)
            SELECT 'phase', phase_id, sum(prompt_tokens + completion_tokens), 0 FROM llm_usage_events GROUP BY phase_id
            """);
        Execute.Sql("""
            INSERT INTO budget_totals (scope, id, reserved_tokens) SELECT 'run', run_id, sum(tokens) FROM token_reservations GROUP BY run_id
            ON CONFLICT (scope, id) DO UPDATE SET reserved_tokens = excluded.reserved_tokens
            """);
        Execute.Sql("""
            INSERT INTO budget_totals (scope, id, reserved_tokens) SELECT 'phase', phase_id, sum(tokens) FROM token_reservations GROUP BY phase_id
            ON CONFLICT (scope, id) DO UPDATE SET reserved_tokens = excluded.reserved_tokens
            """);

        Execute.Sql(Trigger("trg_usage_totals_insert", "AFTER INSERT ON llm_usage_events",
            Add("used_tokens", "NEW.run_id", "NEW.phase_id", "NEW.prompt_tokens + NEW.completion_tokens")));
        Execute.Sql(Trigger("trg_usage_totals_delete", "AFTER DELETE ON llm_usage_events",
            Add("used_tokens", "OLD.run_id", "OLD.phase_id", "-(OLD.prompt_tokens + OLD.completion_tokens)")));
        Execute.Sql(Trigger("trg_usage_totals_update", "AFTER UPDATE OF run_id, phase_id, prompt_tokens, completion_tokens ON llm_usage_events",
            Add("used_tokens", "OLD.run_id", "OLD.phase_id", "-(OLD.prompt_tokens + OLD.completion_tokens)")
            + Add("used_tokens", "NEW.run_id", "NEW.phase_id", "NEW.prompt_tokens + NEW.completion_tokens")));
        Execute.Sql(Trigger("trg_reservation_totals_insert", "AFTER INSERT ON token_reservations",
            Add("reserved_tokens", "NEW.run_id", "NEW.phase_id", "NEW.tokens")));
        Execute.Sql(Trigger("trg_reservation_totals_delete", "AFTER DELETE ON token_reservations",
            Add("reserved_tokens", "OLD.run_id", "OLD.phase_id", "-OLD.tokens")));
        Execute.Sql(Trigger("trg_reservation_totals_update", "AFTER UPDATE OF run_id, phase_id, tokens ON token_reservations",
            Add("reserved_tokens", "OLD.run_id", "OLD.phase_id", "-OLD.tokens") + Add("reserved_tokens", "NEW.run_id", "NEW.phase_id", "NEW.tokens")));
    }

    public override void Down()
    {
        foreach (var trigger in Triggers)
        {
            Execute.Sql($"DROP TRIGGER IF EXISTS {trigger}");
        }

        Execute.Sql("DROP TABLE IF EXISTS budget_totals");
    }

    private static string Trigger(string name, string when, string body) => $"CREATE TRIGGER {name} {when} BEGIN {body} END";

    private static string Add(string column, string runId, string phaseId, string amount) => $"""
        INSERT INTO budget_totals (scope, id, {column}) VALUES ('run', {runId}, {amount})
          ON CONFLICT (scope, id) DO UPDATE SET {column} = {column} + excluded.{column};
        INSERT INTO budget_totals (scope, id, {column}) VALUES ('phase', {phaseId}, {amount})
          ON CONFLICT (scope, id) DO UPDATE SET {column} = {column} + excluded.{column};
        """;
}
