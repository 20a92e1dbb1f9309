using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Api.Tests.Support;

/// <summary>Rows the executors would write (usage, leases), inserted directly for the API to read.</summary>
public static class Rows
{
    public static void InsertUsage(TestDatabase db, string runId, string phaseId, long prompt, long completion, string provider = "offline", string model = "offline-1")
    {
        ArgumentNullException.ThrowIfNull(db);
        using var connection = db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
            VALUES ($run, $phase, $phase, $provider, $model, 'builder', $prompt, $completion, $at)
            """;
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$phase", phaseId);
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$prompt", prompt);
        command.Parameters.AddWithValue("$completion", completion);
        command.Parameters.AddWithValue("$at", DbTime.ToText(TimeProvider.System.GetUtcNow()));
        command.ExecuteNonQuery();
    }

    public static void InsertLease(TestDatabase db, string runId, TimeSpan heartbeatAge, int pid = 4242)
    {
        ArgumentNullException.ThrowIfNull(db);
        var heartbeat = DbTime.ToText(TimeProvider.System.GetUtcNow() - heartbeatAge);
        using var connection = db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO executor_leases (run_id, owner_id, pid, host, acquired_at, heartbeat_at)
            VALUES ($run, 'owner-1', $pid, 'test-host', $at, $at)
            """;
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$pid", pid);
        command.Parameters.AddWithValue("$at", heartbeat);
        command.ExecuteNonQuery();
    }

    /// <summary>A change made behind the API's back (as an executor, a restore or an operator's sqlite3 would).</summary>
    public static void Execute(TestDatabase db, string sql)
    {
        ArgumentNullException.ThrowIfNull(db);
        using var connection = db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
