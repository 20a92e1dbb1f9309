using Autopack.Api.Tests.Support;
using Autopack.Storage.Breakers;
using Autopack.Testing;

namespace Autopack.Api.Tests.Monitoring;

public sealed class MetricsTests
{
    private static readonly string[] MetricNames =
    [
        "http_requests_received_total", "http_request_duration_seconds_bucket", "autopack_http_server_errors_total",
        "autopack_runs{status=\"QUEUED\"} 1", "autopack_phases{status=\"QUEUED\"} 2", "autopack_tokens_used 700",
        "autopack_run_tokens_used{run_id=\"metered\"} 700", "autopack_run_token_cap{run_id=\"metered\"} 1000",
        "autopack_circuit_breaker_state{breaker=\"openai\",state=\"half_open\"} 1", "autopack_oldest_queued_phase_age_seconds",
        "autopack_executors{heartbeat=\"fresh\"}", "autopack_alerts_active", "autopack_alerts{kind=\"token_usage\"} 0",
        "autopack_database_up 1", "autopack_database_size_bytes", "autopack_rate_limiter_tracked_clients",
    ];

    [Test]
    public async Task GetMetrics_WithData_ExposesGoldenSignalsAndDatabaseGauges()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("metered", runCap: 1000).Phase("metered-p1", cap: 1000).Phase("metered-p2").Build());
        Rows.InsertUsage(api.Db, "metered", "metered-p1", 500, 200);
        await api.Service<BreakerStates>().PublishAsync("openai", "half_open", 1, null, "executor-1");
        using (await api.Client.GetAsync(new Uri("/runs", UriKind.Relative)))
        {
        }

        using var response = await api.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            foreach (var name in MetricNames)
            {
                Assert.That(text, Does.Contain(name));
            }

            Assert.That(text, Does.Contain("endpoint=\"/runs\""), "request metrics are labelled by route");
        });
    }

    [Test]
    public async Task GetMetrics_RunEnds_ItsPerRunSeriesDisappear()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("short").Phase("short-p1").Build());
        var before = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        await api.Service<Autopack.Storage.Runs.RunStateWriter>().TransitionRunAsync("short", Autopack.Domain.Runs.RunStatus.Aborted);
        var after = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(before, Does.Contain("autopack_run_tokens_used{run_id=\"short\"}"));
            Assert.That(after, Does.Not.Contain("run_id=\"short\""));
            Assert.That(after, Does.Contain("autopack_runs{status=\"ABORTED\"} 1"));
        });
    }
}
