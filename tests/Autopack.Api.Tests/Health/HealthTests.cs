using System.Net;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Api.Tests.Health;

public sealed class HealthTests
{
    private static readonly string[] SpecFields =
    [
        "status", "bind_address", "database_identity", "circuit_breakers", "db_pool_health", "db_size_mb", "disk_free_gb",
        "uptime_seconds", "schema_version", "executors", "rate_limiter", "alerts",
    ];

    [Test]
    public async Task GetHealth_FreshMigratedDatabase_IsOkWithEverySpecField()
    {
        using var api = new ApiHarness();

        using var response = await api.Client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var health = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            foreach (var field in SpecFields)
            {
                Assert.That(health.TryGetProperty(field, out _), Is.True, field);
            }

            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("ok"));
            Assert.That(health.GetProperty("bind_address").GetString(), Is.EqualTo("127.0.0.1"));
            Assert.That(health.GetProperty("database_identity").GetString(), Is.EqualTo(api.Db.Database.Identity));
            Assert.That(health.GetProperty("db_pool_health").GetProperty("ok").GetBoolean(), Is.True);
            Assert.That(health.GetProperty("db_size_mb").GetDouble(), Is.GreaterThan(0));
            Assert.That(health.GetProperty("schema_version").GetProperty("current").GetInt64(), Is.EqualTo(DatabaseMigrator.LatestVersion));
            Assert.That(health.GetProperty("schema_version").GetProperty("up_to_date").GetBoolean(), Is.True);
            Assert.That(health.GetProperty("rate_limiter").GetProperty("max_clients").GetInt32(), Is.EqualTo(10_000));
            Assert.That(health.GetProperty("alerts").GetArrayLength(), Is.Zero);
        });
    }

    [Test]
    public async Task GetHealth_MissingDatabase_Is503UnhealthyAndCreatesNoFile()
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("missing.db");
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_DB"] = path });

        using var response = await api.Client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var health = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("unhealthy"));
            Assert.That(health.GetProperty("status_reason").GetString(), Does.Contain("autopack db migrate"));
            Assert.That(health.GetProperty("db_pool_health").GetProperty("ok").GetBoolean(), Is.False);
            Assert.That(File.Exists(path), Is.False);
        });
    }

    [Test]
    public async Task GetHealth_UnmigratedDatabase_Is503Unhealthy()
    {
        using var api = new ApiHarness();
        new DatabaseMigrator(api.Db.Database).MigrateDown(202611251710);

        using var response = await api.Client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var health = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(health.GetProperty("schema_version").GetProperty("current").GetInt64(), Is.EqualTo(202611251710));
            Assert.That(health.GetProperty("status_reason").GetString(), Does.Contain("run 'autopack db migrate'"));
        });
    }

    [Test]
    public async Task GetHealth_ExecutorLeases_ListsThemWithHeartbeatAgeAndStaleness()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_LEASE_STALE_SECONDS"] = "30" });
        await api.Db.CreateRunAsync(new PlanBuilder("lease-fresh").Phase("lease-fresh-p1").Build());
        Rows.InsertLease(api.Db, "lease-fresh", TimeSpan.FromSeconds(1), pid: 111);

        var health = await api.GetJsonAsync("/health");

        var executor = health.GetProperty("executors")[0];
        Assert.Multiple(() =>
        {
            Assert.That(executor.GetProperty("run_id").GetString(), Is.EqualTo("lease-fresh"));
            Assert.That(executor.GetProperty("pid").GetInt32(), Is.EqualTo(111));
            Assert.That(executor.GetProperty("host").GetString(), Is.EqualTo("test-host"));
            Assert.That(executor.GetProperty("heartbeat_age_seconds").GetDouble(), Is.InRange(0.5, 29));
            Assert.That(executor.GetProperty("stale").GetBoolean(), Is.False);
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("ok"));
        });
    }

    [Test]
    public async Task GetHealth_CircuitBreakers_ShowStatePerBreakerForJq()
    {
        using var api = new ApiHarness();
        await api.Service<Autopack.Storage.Breakers.BreakerStates>().PublishAsync("anthropic", "closed", 0, null, "executor-1");

        var health = await api.GetJsonAsync("/health");

        var breaker = health.GetProperty("circuit_breakers").GetProperty("anthropic");
        Assert.Multiple(() =>
        {
            Assert.That(breaker.GetProperty("state").GetString(), Is.EqualTo("closed"));
            Assert.That(breaker.GetProperty("reset_requested").GetBoolean(), Is.False);
            Assert.That(health.GetProperty("alerts").ValueKind, Is.EqualTo(JsonValueKind.Array));
        });
    }
}
