namespace Autopack.Testing;

/// <summary>
/// The sqlite3 commands of the operator runbook (shared/RUNBOOK.seed.md), copied verbatim: the SQL between the
/// double quotes of <c>sqlite3 autopack.db "..."</c>. <c>&lt;run-id&gt;</c> is replaced by a real run id.
/// </summary>
public static class RunbookQueries
{
    public const string RunIdPlaceholder = "<run-id>";

    /// <summary>Stuck Run Recovery, step 2.</summary>
    public const string ExecutingPhases = "SELECT * FROM phases WHERE status='EXECUTING'";

    /// <summary>Database Corruption, step 3.</summary>
    public const string IntegrityCheck = "PRAGMA integrity_check";

    /// <summary>Troubleshooting: Connection Pool Exhaustion.</summary>
    public const string PoolStats = "SELECT COUNT(*) FROM pg_stat_activity";

    /// <summary>Troubleshooting: Token Budget Exceeded.</summary>
    public const string RunBudget =
        "SELECT run_id, SUM(prompt_tokens + completion_tokens) as total FROM llm_usage_events WHERE run_id='<run-id>' GROUP BY run_id";

    /// <summary>Cost Management: Per-Run Budget Enforcement.</summary>
    public const string RunUsage =
        "SELECT run_id, SUM(prompt_tokens + completion_tokens) FROM llm_usage_events WHERE run_id='<run-id>'";

    /// <summary>Cost Management: Per-Phase Budget Monitoring.</summary>
    public const string PhaseUsage =
        "SELECT phase_id, phase_name, SUM(prompt_tokens + completion_tokens) as total FROM llm_usage_events WHERE run_id='<run-id>' GROUP BY phase_id";

    public static IReadOnlyList<string> All { get; } = [ExecutingPhases, IntegrityCheck, PoolStats, RunBudget, RunUsage, PhaseUsage];

    /// <summary>Per-Run Budget Enforcement as docs/RUNBOOK.md gives it for psql: PostgreSQL wants run_id in GROUP BY.</summary>
    public const string PostgresRunUsage =
        "SELECT run_id, SUM(prompt_tokens + completion_tokens) FROM llm_usage_events WHERE run_id='<run-id>' GROUP BY run_id";

    /// <summary>Per-Phase Budget Monitoring for psql: PostgreSQL wants phase_name in GROUP BY too.</summary>
    public const string PostgresPhaseUsage =
        "SELECT phase_id, phase_name, SUM(prompt_tokens + completion_tokens) as total FROM llm_usage_events WHERE run_id='<run-id>' GROUP BY phase_id, phase_name";

    /// <summary>The seed runbook's queries as docs/RUNBOOK.md's "PostgreSQL" section runs them in psql (the integrity check is pg_amcheck's there).</summary>
    public static IReadOnlyList<string> Postgres { get; } = [ExecutingPhases, PoolStats, RunBudget, PostgresRunUsage, PostgresPhaseUsage];

    public static string For(string query, string runId) => query.Replace(RunIdPlaceholder, runId, StringComparison.Ordinal);
}
