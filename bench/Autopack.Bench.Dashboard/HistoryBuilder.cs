using System.Diagnostics;
using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Bench.Dashboard;

/// <summary>
/// Writes a large history straight into a migrated database, the way years of executors would have left it:
/// runs spread evenly over <see cref="BenchOptions.SpanHours"/> before now, six phases in three tiers each,
/// the usage rows spread over each run's life, state-change events, leases of the executing runs, breakers.
/// One connection, prepared commands reused for every row, a transaction per 200,000 rows.
/// </summary>
internal static class HistoryBuilder
{
    public const int PhasesPerRun = 6;
    private const int RowsPerTransaction = 200_000;

    public static History Build(SqliteDatabase database, BenchOptions options, DateTime now)
    {
        var started = Stopwatch.GetTimestamp();
        using var connection = database.Open();
        Execute(connection, "PRAGMA synchronous=OFF");
        var spacing = TimeSpan.FromHours(options.SpanHours) / options.Runs;
        var runsWithUsage = options.Runs - 5; // the five queued runs have no usage yet
        var perRun = options.Events / runsWithUsage;
        var extra = options.Events - (perRun * runsWithUsage);

        var transaction = connection.BeginTransaction();
        using var run = Prepare(connection, transaction, "INSERT INTO runs (run_id, status, goal, token_cap, created_at, started_at, finished_at, failure_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8);
        using var tier = Prepare(connection, transaction, "INSERT INTO tiers (run_id, name, position) VALUES ($1, $2, $3) RETURNING tier_id", 3);
        using var phase = Prepare(connection, transaction, """
            INSERT INTO phases (phase_id, run_id, tier_id, phase_name, position, category, complexity, goal, provider, status, token_cap, attempts, max_attempts, created_at, started_at, finished_at)
            VALUES ($1, $2, $3, $4, $5, $6, 'medium', $7, 'offline', $8, $9, $10, 3, $11, $12, $13)
            """, 13);
        using var usage = Prepare(connection, transaction, """
            INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, 9);
        using var evt = Prepare(connection, transaction, "INSERT INTO events (run_id, phase_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5)", 5);

        var rowsInTransaction = 0;
        void Count(int rows)
        {
            rowsInTransaction += rows;
            if (rowsInTransaction < RowsPerTransaction)
            {
                return;
            }

            transaction.Commit();
            transaction.Dispose();
            transaction = connection.BeginTransaction();
            foreach (var command in new[] { run, tier, phase, usage, evt })
            {
                command.Transaction = transaction;
            }

            rowsInTransaction = 0;
        }

        var executing = new List<string>();
        long usageRows = 0;
        long eventRows = 0;
        var random = new Random(42);
        string[] categories = ["research", "implementation", "implementation", "verification", "implementation", "audit"];
        for (var i = 0; i < options.Runs; i++)
        {
            var runId = $"bench-{i:D5}";
            var fromEnd = options.Runs - i;
            var status = fromEnd switch
            {
                <= 5 => "EXECUTING",
                <= 8 => "PAUSED",
                <= 13 => "QUEUED",
                _ when i % 50 == 0 => "BUDGET_EXCEEDED",
                _ when i % 33 == 0 => "ABORTED",
                _ when i % 20 == 0 => "DONE_FAILED",
                _ => "DONE_SUCCESS",
            };
            var created = now - (spacing * fromEnd);
            DateTime? start = status == "QUEUED" ? null : created.AddSeconds(30);
            var ended = status is not ("EXECUTING" or "PAUSED" or "QUEUED");
            var life = status == "EXECUTING" ? now - start!.Value : spacing * 0.85;
            DateTime? finished = ended ? start!.Value + life : null;
            var calls = status == "QUEUED" ? 0 : perRun + (i == options.Runs - 1 ? extra : 0);
            var currentPhase = ended ? PhasesPerRun : 3;

            Bind(run, runId, status, $"bench goal {i}: build and verify component {i % 97}", fromEnd == 1 ? 1_800_000L : 5_000_000L,
                DbTime.ToText(created), Text(start), Text(finished), status is "DONE_FAILED" or "BUDGET_EXCEEDED" or "ABORTED" ? $"{status} in phase 6" : null);
            run.ExecuteNonQuery();
            Bind(evt, runId, null, "run_created", $"run created with {PhasesPerRun} phases", DbTime.ToText(created));
            evt.ExecuteNonQuery();
            eventRows++;

            var tierIds = new long[3];
            for (var t = 0; t < 3; t++)
            {
                Bind(tier, runId, $"tier-{t + 1}", t);
                tierIds[t] = (long)tier.ExecuteScalar()!;
            }

            for (var p = 0; p < PhasesPerRun; p++)
            {
                var phaseStatus = status == "QUEUED" ? "QUEUED"
                    : p < currentPhase ? (ended && p == PhasesPerRun - 1 && status != "DONE_SUCCESS" ? (status == "DONE_FAILED" ? "FAILED" : status == "ABORTED" ? "QUEUED" : "BUDGET_EXCEEDED") : "COMPLETE")
                    : p == currentPhase && status == "EXECUTING" ? "EXECUTING" : "QUEUED";
                var phaseStart = start is { } s0 && phaseStatus != "QUEUED" ? s0 + (life * p / PhasesPerRun) : (DateTime?)null;
                var phaseEnd = phaseStatus is "COMPLETE" or "FAILED" or "BUDGET_EXCEEDED" ? phaseStart!.Value + (life / PhasesPerRun) : (DateTime?)null;
                Bind(phase, $"{runId}-p{p + 1}", runId, tierIds[p / 2], $"phase {p + 1}", p + 1, categories[p], $"goal of phase {p + 1}",
                    phaseStatus, 500_000L, phaseStatus == "QUEUED" ? 0 : 1, DbTime.ToText(created), Text(phaseStart), Text(phaseEnd));
                phase.ExecuteNonQuery();
                if (phaseStart is { } ps)
                {
                    Bind(evt, runId, $"{runId}-p{p + 1}", "phase_status", "QUEUED -> EXECUTING (attempt 1/3)", DbTime.ToText(ps));
                    evt.ExecuteNonQuery();
                    eventRows++;
                }

                if (phaseEnd is { } pe)
                {
                    Bind(evt, runId, $"{runId}-p{p + 1}", "phase_status", $"EXECUTING -> {phaseStatus}", DbTime.ToText(pe));
                    evt.ExecuteNonQuery();
                    eventRows++;
                }
            }

            // Usage rows up to the current phase, spread evenly over the run's life so far.
            var callsWithPhases = Math.Max(1, calls);
            for (var k = 0; k < calls; k++)
            {
                var p = Math.Min(currentPhase == PhasesPerRun ? PhasesPerRun - 1 : currentPhase, k * (currentPhase == PhasesPerRun ? PhasesPerRun : currentPhase + 1) / callsWithPhases);
                var at = start!.Value + (life * (k + 1) / (calls + 1));
                Bind(usage, runId, $"{runId}-p{p + 1}", $"phase {p + 1}", "offline", "offline-1", k % 2 == 0 ? "builder" : "auditor",
                    (long)random.Next(700, 1500), (long)random.Next(150, 600), DbTime.ToText(at));
                usage.ExecuteNonQuery();
            }

            usageRows += calls;
            if (status == "EXECUTING")
            {
                executing.Add(runId);
            }

            Count(calls + 10 + (PhasesPerRun * 3));
        }

        foreach (var runId in executing)
        {
            Execute(connection, $"INSERT INTO executor_leases (run_id, owner_id, pid, host, acquired_at, heartbeat_at) VALUES ('{runId}', 'bench', 1, 'bench-host', '{DbTime.ToText(now)}', '{DbTime.ToText(now)}')", transaction);
        }

        foreach (var (name, state) in new[] { ("offline", "closed"), ("openai", "closed"), ("anthropic", "open") })
        {
            Execute(connection, $"INSERT INTO circuit_breakers (name, state, failure_count, opened_at, updated_at, reported_by) VALUES ('{name}', '{state}', {(state == "open" ? 5 : 0)}, {(state == "open" ? $"'{DbTime.ToText(now)}'" : "NULL")}, '{DbTime.ToText(now)}', 'bench')", transaction);
        }

        transaction.Commit();
        transaction.Dispose();
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        return new History(options.Runs, usageRows, eventRows, executing, Stopwatch.GetElapsedTime(started));
    }

    private static string? Text(DateTime? time) => time is { } t ? DbTime.ToText(t) : null;

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 1; i <= parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter($"${i}", null));
        }

        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>What <see cref="HistoryBuilder"/> wrote.</summary>
internal sealed record History(int Runs, long UsageRows, long EventRows, IReadOnlyList<string> ExecutingRuns, TimeSpan BuildTime);
