using System.Net;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Storage.Breakers;
using Autopack.Testing;

namespace Autopack.Api.Tests.Health;

/// <summary>The SPEC's four alerts, each raised from the state that should raise it, in /health and /metrics.</summary>
public sealed class AlertTests
{
    [Test]
    public async Task Health_UsageOver80PercentOfCaps_RaisesTokenUsageAlertsForRunAndPhase()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("hot", runCap: 1000).Phase("hot-p1", cap: 1000).Phase("hot-p2", cap: 1000).Build());
        Rows.InsertUsage(api.Db, "hot", "hot-p1", 600, 250);
        await api.Db.CreateRunAsync(new PlanBuilder("cool", runCap: 1000).Phase("cool-p1", cap: 1000).Build());
        Rows.InsertUsage(api.Db, "cool", "cool-p1", 500, 0);

        var health = await api.GetJsonAsync("/health");

        var alerts = Alerts(health, "token_usage");
        Assert.Multiple(() =>
        {
            Assert.That(alerts.Select(a => a.GetProperty("subject").GetString()), Is.EquivalentTo(new[] { "hot", "hot-p1" }));
            Assert.That(alerts[0].GetProperty("message").GetString(), Does.Contain("85.0%"));
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("degraded"));
        });
    }

    [Test]
    public async Task Health_UsageOfEndedRun_RaisesNoAlert()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("done", runCap: 1000).Phase("done-p1", cap: 1000).Build());
        Rows.InsertUsage(api.Db, "done", "done-p1", 950, 0);
        await api.Service<Autopack.Storage.Runs.RunStateWriter>().TransitionRunAsync("done", Autopack.Domain.Runs.RunStatus.Aborted);

        var health = await api.GetJsonAsync("/health");

        Assert.That(Alerts(health, "token_usage"), Is.Empty);
    }

    [Test]
    public async Task Health_StaleExecutorLease_RaisesExecutorStaleAlert()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_LEASE_STALE_SECONDS"] = "15" });
        await api.Db.CreateRunAsync(new PlanBuilder("stale-run").Phase("stale-run-p1").Build());
        Rows.InsertLease(api.Db, "stale-run", TimeSpan.FromMinutes(5));

        var health = await api.GetJsonAsync("/health");

        var alerts = Alerts(health, "executor_stale");
        Assert.Multiple(() =>
        {
            Assert.That(alerts, Has.Count.EqualTo(1));
            Assert.That(alerts[0].GetProperty("subject").GetString(), Is.EqualTo("stale-run"));
            Assert.That(health.GetProperty("executors")[0].GetProperty("stale").GetBoolean(), Is.True);
            Assert.That(health.GetProperty("executors")[0].GetProperty("heartbeat_age_seconds").GetDouble(), Is.GreaterThanOrEqualTo(299));
        });
    }

    [Test]
    public async Task Health_OpenBreaker_RaisesBreakerOpenAlert()
    {
        using var api = new ApiHarness();
        await api.Service<BreakerStates>().PublishAsync("openai", "Open", 5, DateTime.UnixEpoch, "executor-1");
        await api.Service<BreakerStates>().PublishAsync("anthropic", "Closed", 0, null, "executor-1");

        var health = await api.GetJsonAsync("/health");

        var alerts = Alerts(health, "breaker_open");
        Assert.Multiple(() =>
        {
            Assert.That(alerts.Select(a => a.GetProperty("subject").GetString()), Is.EqualTo(new[] { "openai" }));
            Assert.That(health.GetProperty("circuit_breakers").GetProperty("openai").GetProperty("state").GetString(), Is.EqualTo("Open"));
        });
    }

    [Test]
    public async Task Health_SixHttp500sInTenMinutes_RaisesHttpErrorAlert_FiveDoNot()
    {
        using var api = new ApiHarness();
        for (var i = 0; i < 5; i++)
        {
            using var failed = await api.Client.GetAsync(new Uri(TestHooks.ThrowPath, UriKind.Relative));
            Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        }

        var afterFive = await api.GetJsonAsync("/health");
        using (var sixth = await api.Client.GetAsync(new Uri(TestHooks.ThrowPath, UriKind.Relative)))
        {
            Assert.That(sixth.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        }

        var afterSix = await api.GetJsonAsync("/health");
        var metrics = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(Alerts(afterFive, "http_server_errors"), Is.Empty);
            Assert.That(Alerts(afterSix, "http_server_errors"), Has.Count.EqualTo(1));
            Assert.That(metrics, Does.Contain("autopack_http_server_errors_total 6"));
            Assert.That(metrics, Does.Contain("autopack_alerts{kind=\"http_server_errors\"} 1"));
        });
    }

    private static List<JsonElement> Alerts(JsonElement health, string kind) =>
        health.GetProperty("alerts").EnumerateArray().Where(a => a.GetProperty("kind").GetString() == kind).ToList();
}
