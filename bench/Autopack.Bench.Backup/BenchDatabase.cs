using System.Globalization;
using System.Text;
using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Bench.Backup;

/// <summary>
/// Fills a migrated database with realistic rows until it reaches a size: runs of 10 phases, each phase with
/// provider calls (llm_usage_events) and events whose messages are made of words, so they compress like real text.
/// Inserted with prepared statements in large transactions.
/// </summary>
public static class BenchDatabase
{
    private static readonly string[] Words =
    [
        "phase", "builder", "auditor", "verify", "tokens", "budget", "retry", "breaker", "provider", "openai",
        "anthropic", "offline", "completed", "rejected", "timeout", "workspace", "patch", "test", "failed", "passed",
        "lease", "heartbeat", "executor", "tier", "run", "goal", "implement", "research", "audit", "reserve",
        "settled", "prompt", "completion", "model", "status", "queued", "executing", "gate", "complete", "diff",
        "file", "src", "tests", "assert", "expected", "actual", "compile", "error", "warning", "line",
    ];

    private static readonly string[] Models = ["gpt-4o-mini", "claude-sonnet-4-5", "offline-1", "gpt-4.1"];

    public static void Build(SqliteDatabase database, long targetBytes, Action<string> log)
    {
        new DatabaseMigrator(database).MigrateUp();
        var random = new Random(20261125);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var connection = database.Open();
        Execute(connection, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
        var run = 0;
        while (DatabaseBytes(connection) < targetBytes)
        {
            using var transaction = connection.BeginTransaction();
            using var insertRun = Command(connection, transaction, "INSERT INTO runs (run_id, status, goal, token_cap, created_at, started_at, finished_at) VALUES ($id, 'DONE_SUCCESS', $goal, 5000000, $t, $t, $t)");
            using var insertTier = Command(connection, transaction, "INSERT INTO tiers (run_id, name, position) VALUES ($run, 'tier-1', 0) RETURNING tier_id");
            using var insertPhase = Command(connection, transaction,
                "INSERT INTO phases (phase_id, run_id, tier_id, phase_name, position, category, complexity, goal, provider, status, token_cap, attempts, max_attempts, created_at, started_at, finished_at) " +
                "VALUES ($id, $run, $tier, $name, $pos, 'implementation', 'medium', $goal, 'openai', 'COMPLETE', 500000, 1, 3, $t, $t, $t)");
            using var insertUsage = Command(connection, transaction,
                "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) " +
                "VALUES ($run, $phase, $name, $provider, $model, $role, $p, $c, $t)");
            using var insertEvent = Command(connection, transaction, "INSERT INTO events (run_id, phase_id, kind, message, created_at) VALUES ($run, $phase, $kind, $message, $t)");

            for (var r = 0; r < 200; r++, run++)
            {
                var runId = $"run-{run:D6}";
                var time = DbTime.ToText(start.AddMinutes(run));
                Bind(insertRun, ("$id", runId), ("$goal", Sentence(random, 30)), ("$t", time));
                insertRun.ExecuteNonQuery();
                Bind(insertTier, ("$run", runId));
                var tier = Convert.ToInt64(insertTier.ExecuteScalar(), CultureInfo.InvariantCulture);
                for (var p = 0; p < 10; p++)
                {
                    var phaseId = $"{runId}-p{p}";
                    var name = $"phase {p} of {runId}";
                    Bind(insertPhase, ("$id", phaseId), ("$run", runId), ("$tier", tier), ("$name", name), ("$pos", p), ("$goal", Sentence(random, 25)), ("$t", time));
                    insertPhase.ExecuteNonQuery();
                    for (var u = 0; u < 50; u++)
                    {
                        var model = Models[random.Next(Models.Length)];
                        Bind(insertUsage, ("$run", runId), ("$phase", phaseId), ("$name", name), ("$provider", model.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : "openai"),
                            ("$model", model), ("$role", u % 2 == 0 ? "builder" : "auditor"), ("$p", random.Next(200, 20_000)), ("$c", random.Next(50, 4_000)), ("$t", time));
                        insertUsage.ExecuteNonQuery();
                    }

                    for (var e = 0; e < 20; e++)
                    {
                        Bind(insertEvent, ("$run", runId), ("$phase", phaseId), ("$kind", e % 5 == 0 ? "state_change" : "phase_log"), ("$message", Sentence(random, 12 + random.Next(40))), ("$t", time));
                        insertEvent.ExecuteNonQuery();
                    }
                }
            }

            transaction.Commit();
        }

        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        log($"built {run} runs, {run * 10} phases, {run * 500} usage rows, {run * 200} events");
    }

    /// <summary>The database's size once checkpointed: pages in use times page size (the WAL file is reused, not a measure).</summary>
    private static long DatabaseBytes(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static string Sentence(Random random, int words)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(i % 9 == 8 ? ". " : " ");
        }

        text.Append(random.Next(1_000_000).ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Bind(SqliteCommand command, params (string Name, object Value)[] values)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
