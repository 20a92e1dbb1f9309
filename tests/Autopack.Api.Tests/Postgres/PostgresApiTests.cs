using System.Net;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Runs;
using Autopack.Storage.Breakers;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Npgsql;

namespace Autopack.Api.Tests.Postgres;

/// <summary>
/// The API over a PostgreSQL database: its own SQL (the probe, health, metrics, alerts, the dashboard's queries,
/// status counts) runs on the server as on SQLite, and answers with the same content (ADR-039).
/// </summary>
public sealed class PostgresApiTests
{
    private TestPostgresDatabase db = null!;
    private TempDirectory folder = null!;
    private ApiFactory factory = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public async Task StartApiOnPostgres()
    {
        db = new TestPostgresDatabase();
        folder = new TempDirectory("autopack-pg-api");
        factory = new ApiFactory(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AUTOPACK_DB"] = db.Url,
            ["AUTOPACK_RUNS_DIR"] = folder.Combine("runs"),
            ["AUTOPACK_LOG_PATH"] = folder.Combine("logs", "api.jsonl"),
        });
        client = factory.CreateClient();

        using (var created = await client.PostAsync(
            new Uri("/runs", UriKind.Relative),
            ApiHarness.Json(PlanJson.Write(new PlanBuilder("pg-hot", runCap: 1000).Phase("pg-hot-a", cap: 1000).Phase("pg-hot-b", cap: 1000).Build()))))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        }

        await db.CreateRunAsync(new PlanBuilder("pg-done").Phase("pg-done-a").Build());
        var writer = new RunStateWriter(db.Database, TimeProvider.System);
        await writer.TransitionRunAsync("pg-hot", RunStatus.Executing);
        await writer.TransitionRunAsync("pg-done", RunStatus.Aborted, "operator");
        Execute(
            """
            INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
            VALUES ('pg-hot', 'pg-hot-a', 'a', 'offline', 'offline-1', 'builder', 600, 250, @at)
            """,
            ("at", DbTime.ToText(TimeProvider.System.GetUtcNow())));
        Execute(
            "INSERT INTO executor_leases (run_id, owner_id, pid, host, acquired_at, heartbeat_at) VALUES ('pg-hot', 'owner-1', 4242, 'gone-host', @at, @at)",
            ("at", DbTime.ToText(TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(5))));
        await new BreakerStates(db.Database, TimeProvider.System).PublishAsync("openai", "open", 5, TimeProvider.System.GetUtcNow().UtcDateTime, "executor pid 1");
    }

    [OneTimeTearDown]
    public void StopApi()
    {
        client.Dispose();
        factory.Dispose();
        folder.Dispose();
        db.Dispose();
    }

    [Test]
    public async Task GetHealth_Postgres_ReportsTheServersDatabaseAndItsAlerts()
    {
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var health = await ApiHarness.ReadJsonAsync(response);

        var kinds = health.GetProperty("alerts").EnumerateArray().Select(a => $"{a.GetProperty("kind").GetString()} {a.GetProperty("subject").GetString()}").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), health.ToString());
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("degraded"));
            Assert.That(health.GetProperty("database_identity").GetString(), Is.EqualTo(db.Database.Identity));
            Assert.That(health.GetProperty("db_pool_health").GetProperty("ok").GetBoolean(), Is.True);
            Assert.That(health.GetProperty("db_size_mb").GetDouble(), Is.GreaterThan(1), "pg_database_size");
            Assert.That(health.GetProperty("disk_free_gb").ValueKind, Is.EqualTo(JsonValueKind.Null), "the server's disk is its own");
            Assert.That(health.GetProperty("schema_version").GetProperty("current").GetInt64(), Is.EqualTo(DatabaseMigrator.LatestVersion));
            Assert.That(health.GetProperty("executors")[0].GetProperty("stale").GetBoolean(), Is.True);
            Assert.That(kinds, Is.SupersetOf(new[] { "token_usage pg-hot", "token_usage pg-hot-a", "breaker_open openai", "executor_stale pg-hot" }));
        });
    }

    [Test]
    public async Task GetReady_Postgres_Returns200WithTheDatabaseIdentity()
    {
        using var response = await client.GetAsync(new Uri("/ready", UriKind.Relative));
        var ready = await ApiHarness.ReadJsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), ready.ToString());
        Assert.That((ready.GetProperty("status").GetString(), ready.GetProperty("database_identity").GetString()), Is.EqualTo(("ready", db.Database.Identity)));
    }

    [Test]
    public async Task GetRuns_Postgres_ListsBothRunsNewestFirstWithTokensAndTotal()
    {
        var list = await GetJsonAsync("/runs");
        var filtered = await GetJsonAsync("/runs?status=ABORTED");
        var run = await GetJsonAsync("/runs/pg-hot");

        var runs = list.GetProperty("runs").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(list.GetProperty("total").GetInt64(), Is.EqualTo(2));
            Assert.That(runs.Select(r => r.GetProperty("run_id").GetString()), Is.EqualTo(new[] { "pg-done", "pg-hot" }));
            Assert.That(runs[1].GetProperty("tokens_used").GetInt64(), Is.EqualTo(850));
            Assert.That(runs[1].GetProperty("phases_total").GetInt32(), Is.EqualTo(2));
            Assert.That(filtered.GetProperty("total").GetInt64(), Is.EqualTo(1));
            Assert.That(run.GetProperty("run_id").GetString(), Is.EqualTo("pg-hot"));
            Assert.That(run.GetProperty("status").GetString(), Is.EqualTo("EXECUTING"));
        });
    }

    [Test]
    public async Task GetMetrics_Postgres_DatabaseGaugesFromTheServer()
    {
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.That(
            text,
            Does.Contain("autopack_database_up 1")
                .And.Contain("autopack_runs{status=\"EXECUTING\"} 1")
                .And.Contain("autopack_runs{status=\"ABORTED\"} 1")
                .And.Contain("autopack_phases{status=\"QUEUED\"} 3")
                .And.Contain("autopack_tokens_used 850")
                .And.Contain("autopack_run_tokens_used{run_id=\"pg-hot\"} 850")
                .And.Contain("autopack_executors{heartbeat=\"stale\"} 1")
                .And.Contain("autopack_circuit_breaker_state{breaker=\"openai\",state=\"open\"} 1")
                .And.Contain("autopack_alerts{kind=\"token_usage\"} 2")
                .And.Contain("autopack_queue_depth 1"), "pg-hot is EXECUTING with a dead executor: waiting for a takeover");
        Assert.That(text, Does.Not.Contain("autopack_database_size_bytes 0\n"), "pg_database_size read");
    }

    [Test]
    public async Task DashboardApi_Postgres_SummaryRunEventsAndUsageOverTime()
    {
        var summary = await GetJsonAsync("/dashboard/api/summary");
        var run = await GetJsonAsync("/dashboard/api/runs/pg-hot");
        var events = await GetJsonAsync("/dashboard/api/runs/pg-hot/events?limit=1");
        var runUsage = await GetJsonAsync("/dashboard/api/usage-over-time?run_id=pg-hot");
        var allUsage = await GetJsonAsync("/dashboard/api/usage-over-time?window=1h");

        Assert.Multiple(() =>
        {
            Assert.That(summary.GetProperty("runs").GetProperty("total").GetInt64(), Is.EqualTo(2));
            Assert.That(summary.GetProperty("status_counts").GetProperty("EXECUTING").GetInt64(), Is.EqualTo(1));
            Assert.That(summary.GetProperty("status_counts").GetProperty("DONE_SUCCESS").GetInt64(), Is.Zero, "every status listed");
            Assert.That(summary.GetProperty("database_identity").GetString(), Is.EqualTo(db.Database.Identity));
            Assert.That(summary.GetProperty("recent_events").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(run.GetProperty("executor").GetProperty("stale").GetBoolean(), Is.True);
            Assert.That(run.GetProperty("alerts").GetArrayLength(), Is.GreaterThanOrEqualTo(2));
            Assert.That(events.GetProperty("events").GetArrayLength(), Is.EqualTo(1));
            Assert.That(events.GetProperty("more").GetBoolean(), Is.True, "paged by id");
            Assert.That(runUsage.GetProperty("total_tokens").GetInt64(), Is.EqualTo(850));
            Assert.That(allUsage.GetProperty("total_tokens").GetInt64(), Is.EqualTo(850));
            Assert.That(allUsage.GetProperty("total_calls").GetInt64(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetReady_PostgresTransactionsReadOnly_Returns503SayingWhy()
    {
        using var readOnly = new TestPostgresDatabase();
        Execute(readOnly, $"ALTER DATABASE {readOnly.Name} SET default_transaction_read_only = on");
        using var runs = new TempDirectory("autopack-pg-api");
        using var api = new ApiFactory(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AUTOPACK_DB"] = readOnly.Url,
            ["AUTOPACK_RUNS_DIR"] = runs.Combine("runs"),
            ["AUTOPACK_LOG_PATH"] = runs.Combine("logs", "api.jsonl"),
        });
        using var http = api.CreateClient();

        using var response = await http.GetAsync(new Uri("/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("database not writable: transactions are read-only (default_transaction_read_only)"));
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {body}");
        return body;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters) => Execute(db, sql, parameters);

    private static void Execute(TestPostgresDatabase database, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new NpgsqlConnection(database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
