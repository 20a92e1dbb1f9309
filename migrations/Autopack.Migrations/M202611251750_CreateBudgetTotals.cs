using FluentMigrator;

namespace Autopack.Migrations;

/// <summary>
/// Running totals of used and reserved tokens per run and per phase, kept by triggers on llm_usage_events and
/// token_reservations. The budget check read the sum of all of a run's usage rows on every reserve and settle:
/// 2 ms per call after 20,000 calls, growing with the run. With the totals it is two primary-key lookups.
/// Triggers (not application code) keep them, so rows written by any process, sqlite3 included, stay counted.
/// On PostgreSQL the same totals are kept by PL/pgSQL trigger functions (ADR-039); the SQLite statements are unchanged.
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
        IfDatabase(ProcessorIds.Postgres).Execute.Sql(PostgresUp);
        var sqlite = IfDatabase(ProcessorIds.SQLite);
        sqlite.Execute.Sql("""
            CREATE TABLE budget_totals (
              scope TEXT NOT NULL CHECK (scope IN ('run', 'phase')),
              id TEXT NOT NULL,
              used_tokens INTEGER NOT NULL DEFAULT 0,
              reserved_tokens INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (scope, id)
            ) WITHOUT ROWID
            """);

        sqlite.Execute.Sql("""
            INSERT INTO budget_totals (scope, id, used_tokens, reserved_tokens)
            SELECT 'run', run_id, sum(prompt_tokens + completion_tokens), 0 FROM llm_usage_events GROUP BY run_id
            """);
        sqlite.Execute.Sql("""
            INSERT INTO budget_totals (scope, id, used_tokens, reserved_tokens)
            SELECT 'phase', phase_id, sum(prompt_tokens + completion_tokens), 0 FROM llm_usage_events GROUP BY phase_id
            """);
        sqlite.Execute.Sql("""
            INSERT INTO budget_totals (scope, id, reserved_tokens) SELECT 'run', run_id, sum(tokens) FROM token_reservations GROUP BY run_id
            ON CONFLICT (scope, id) DO UPDATE SET reserved_tokens = excluded.reserved_tokens
            """);
        sqlite.Execute.Sql("""
            INSERT INTO budget_totals (scope, id, reserved_tokens) SELECT 'phase', phase_id, sum(tokens) FROM token_reservations GROUP BY phase_id
            ON CONFLICT (scope, id) DO UPDATE SET reserved_tokens = excluded.reserved_tokens
            """);

        sqlite.Execute.Sql(Trigger("trg_usage_totals_insert", "AFTER INSERT ON llm_usage_events",
            Add("used_tokens", "NEW.run_id", "NEW.phase_id", "NEW.prompt_tokens + NEW.completion_tokens")));
        sqlite.Execute.Sql(Trigger("trg_usage_totals_delete", "AFTER DELETE ON llm_usage_events",
            Add("used_tokens", "OLD.run_id", "OLD.phase_id", "-(OLD.prompt_tokens + OLD.completion_tokens)")));
        sqlite.Execute.Sql(Trigger("trg_usage_totals_update", "AFTER UPDATE OF run_id, phase_id, prompt_tokens, completion_tokens ON llm_usage_events",
            Add("used_tokens", "OLD.run_id", "OLD.phase_id", "-(OLD.prompt_tokens + OLD.completion_tokens)")
            + Add("used_tokens", "NEW.run_id", "NEW.phase_id", "NEW.prompt_tokens + NEW.completion_tokens")));
        sqlite.Execute.Sql(Trigger("trg_reservation_totals_insert", "AFTER INSERT ON token_reservations",
            Add("reserved_tokens", "NEW.run_id", "NEW.phase_id", "NEW.tokens")));
        sqlite.Execute.Sql(Trigger("trg_reservation_totals_delete", "AFTER DELETE ON token_reservations",
            Add("reserved_tokens", "OLD.run_id", "OLD.phase_id", "-OLD.tokens")));
        sqlite.Execute.Sql(Trigger("trg_reservation_totals_update", "AFTER UPDATE OF run_id, phase_id, tokens ON token_reservations",
            Add("reserved_tokens", "OLD.run_id", "OLD.phase_id", "-OLD.tokens") + Add("reserved_tokens", "NEW.run_id", "NEW.phase_id", "NEW.tokens")));
    }

    public override void Down()
    {
        IfDatabase(ProcessorIds.Postgres).Execute.Sql("""
            DROP TABLE IF EXISTS budget_totals;
            DROP TRIGGER IF EXISTS trg_usage_totals ON llm_usage_events;
            DROP TRIGGER IF EXISTS trg_reservation_totals ON token_reservations;
            DROP FUNCTION IF EXISTS autopack_usage_totals();
            DROP FUNCTION IF EXISTS autopack_reservation_totals();
            DROP FUNCTION IF EXISTS autopack_budget_add(text, text, bigint, bigint);
            """);
        var sqlite = IfDatabase(ProcessorIds.SQLite);
        foreach (var trigger in Triggers)
        {
            sqlite.Execute.Sql($"DROP TRIGGER IF EXISTS {trigger}");
        }

        sqlite.Execute.Sql("DROP TABLE IF EXISTS budget_totals");
    }

    /// <summary>
    /// The same table, backfill and totals on PostgreSQL: one function adds to a run's and a phase's totals (an upsert
    /// each), and one row trigger per table calls it with what a row adds or takes away.
    /// </summary>
    private const string PostgresUp = """
        CREATE TABLE budget_totals (
          scope TEXT NOT NULL CHECK (scope IN ('run', 'phase')),
          id TEXT NOT NULL,
          used_tokens BIGINT NOT NULL DEFAULT 0,
          reserved_tokens BIGINT NOT NULL DEFAULT 0,
          PRIMARY KEY (scope, id)
        );

        INSERT INTO budget_totals (scope, id, used_tokens, reserved_tokens)
        SELECT 'run', run_id, sum(prompt_tokens + completion_tokens), 0 FROM llm_usage_events GROUP BY run_id;
        INSERT INTO budget_totals (scope, id, used_tokens, reserved_tokens)
        SELECT 'phase', phase_id, sum(prompt_tokens + completion_tokens), 0 FROM llm_usage_events GROUP BY phase_id;
        INSERT INTO budget_totals (scope, id, reserved_tokens) SELECT 'run', run_id, sum(tokens) FROM token_reservations GROUP BY run_id
        ON CONFLICT (scope, id) DO UPDATE SET reserved_tokens = excluded.reserved_tokens;
        INSERT INTO budget_totals (scope, id, reserved_tokens) SELECT 'phase', phase_id, sum(tokens) FROM token_reservations GROUP BY phase_id
        ON CONFLICT (scope, id) DO UPDATE SET reserved_tokens = excluded.reserved_tokens;

        CREATE FUNCTION autopack_budget_add(p_run text, p_phase text, p_used bigint, p_reserved bigint) RETURNS void AS $$
        BEGIN
          INSERT INTO budget_totals AS t (scope, id, used_tokens, reserved_tokens) VALUES ('run', p_run, p_used, p_reserved)
            ON CONFLICT (scope, id) DO UPDATE SET used_tokens = t.used_tokens + excluded.used_tokens, reserved_tokens = t.reserved_tokens + excluded.reserved_tokens;
          INSERT INTO budget_totals AS t (scope, id, used_tokens, reserved_tokens) VALUES ('phase', p_phase, p_used, p_reserved)
            ON CONFLICT (scope, id) DO UPDATE SET used_tokens = t.used_tokens + excluded.used_tokens, reserved_tokens = t.reserved_tokens + excluded.reserved_tokens;
        END
        $$ LANGUAGE plpgsql;

        CREATE FUNCTION autopack_usage_totals() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM autopack_budget_add(OLD.run_id, OLD.phase_id, -(OLD.prompt_tokens + OLD.completion_tokens), 0);
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM autopack_budget_add(NEW.run_id, NEW.phase_id, NEW.prompt_tokens + NEW.completion_tokens, 0);
          END IF;
          RETURN NULL;
        END
        $$ LANGUAGE plpgsql;

        CREATE TRIGGER trg_usage_totals AFTER INSERT OR DELETE OR UPDATE OF run_id, phase_id, prompt_tokens, completion_tokens
          ON llm_usage_events FOR EACH ROW EXECUTE FUNCTION autopack_usage_totals();

        CREATE FUNCTION autopack_reservation_totals() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM autopack_budget_add(OLD.run_id, OLD.phase_id, 0, -OLD.tokens);
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM autopack_budget_add(NEW.run_id, NEW.phase_id, 0, NEW.tokens);
          END IF;
          RETURN NULL;
        END
        $$ LANGUAGE plpgsql;

        CREATE TRIGGER trg_reservation_totals AFTER INSERT OR DELETE OR UPDATE OF run_id, phase_id, tokens
          ON token_reservations FOR EACH ROW EXECUTE FUNCTION autopack_reservation_totals();
        """;

    private static string Trigger(string name, string when, string body) => $"CREATE TRIGGER {name} {when} BEGIN {body} END";

    private static string Add(string column, string runId, string phaseId, string amount) => $"""
        INSERT INTO budget_totals (scope, id, {column}) VALUES ('run', {runId}, {amount})
          ON CONFLICT (scope, id) DO UPDATE SET {column} = {column} + excluded.{column};
        INSERT INTO budget_totals (scope, id, {column}) VALUES ('phase', {phaseId}, {amount})
          ON CONFLICT (scope, id) DO UPDATE SET {column} = {column} + excluded.{column};
        """;
}
