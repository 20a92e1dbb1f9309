using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Runs;
using Autopack.Storage.Breakers;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>GET /dashboard/api/summary: what the runs page shows.</summary>
public sealed class DashboardSummaryTests
{
    private const string HostileGoal = "<script>alert('x')</script><img src=x onerror=alert(1)> & \"quotes\"";

    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithRuns()
    {
        api = new ApiHarness();
        for (var i = 1; i <= 30; i++)
        {
            await api.Db.CreateRunAsync(new PlanBuilder($"sum-{i:D2}").Phase($"sum-{i:D2}-a").Phase($"sum-{i:D2}-b").Build());
        }

        var writer = api.Service<RunStateWriter>();
        await writer.TransitionRunAsync("sum-30", RunStatus.Executing);
        await writer.TransitionPhaseAsync("sum-30-a", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("sum-30-a", PhaseStatus.CiRunning);
        await writer.TransitionPhaseAsync("sum-30-a", PhaseStatus.Gate);
        await writer.TransitionPhaseAsync("sum-30-a", PhaseStatus.Complete);
        await writer.TransitionRunAsync("sum-01", RunStatus.Aborted, "operator");
        Rows.InsertUsage(api.Db, "sum-30", "sum-30-a", 1000, 500);
        Rows.InsertUsage(api.Db, "sum-30", "sum-30-b", 200, 100);
        Rows.InsertLease(api.Db, "sum-30", TimeSpan.FromSeconds(3));
        await api.Service<BreakerStates>().PublishAsync("openai", "open", 5, TimeProvider.System.GetUtcNow().UtcDateTime, "executor pid 1");

        using var created = await api.PostPlanAsync(
            $$"""{"run_id": "sum-hostile", "goal": {{System.Text.Json.JsonSerializer.Serialize(HostileGoal)}}, "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}""");
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetSummary_FirstPage_ListsNewestRunsWithProgressTokensAndCounts()
    {
        var summary = await api.GetJsonAsync("/dashboard/api/summary");

        var runs = summary.GetProperty("runs");
        var executing = runs.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("run_id").GetString() == "sum-30");
        var counts = summary.GetProperty("status_counts");
        Assert.Multiple(() =>
        {
            Assert.That(runs.GetProperty("total").GetInt64(), Is.EqualTo(31));
            Assert.That(runs.GetProperty("limit").GetInt32(), Is.EqualTo(25));
            Assert.That(runs.GetProperty("runs").GetArrayLength(), Is.EqualTo(25));
            Assert.That(runs.GetProperty("runs")[0].GetProperty("run_id").GetString(), Is.EqualTo("sum-hostile"), "newest first");
            Assert.That(executing.GetProperty("status").GetString(), Is.EqualTo("EXECUTING"));
            Assert.That(executing.GetProperty("phases_total").GetInt32(), Is.EqualTo(2));
            Assert.That(executing.GetProperty("phases_complete").GetInt32(), Is.EqualTo(1));
            Assert.That(executing.GetProperty("tokens_used").GetInt64(), Is.EqualTo(1800));
            Assert.That(executing.GetProperty("token_cap").GetInt64(), Is.EqualTo(5_000_000));
            Assert.That(counts.GetProperty("QUEUED").GetInt64(), Is.EqualTo(29));
            Assert.That(counts.GetProperty("EXECUTING").GetInt64(), Is.EqualTo(1));
            Assert.That(counts.GetProperty("ABORTED").GetInt64(), Is.EqualTo(1));
            Assert.That(counts.GetProperty("DONE_SUCCESS").GetInt64(), Is.Zero, "every status is listed");
            Assert.That(summary.GetProperty("api_key_required").GetBoolean(), Is.False);
            Assert.That(summary.GetProperty("database_identity").GetString(), Is.EqualTo(api.Db.Database.Identity));
        });
    }

    [Test]
    public async Task GetSummary_SameRunsAsGetRuns_FiguresAgree()
    {
        var summary = await api.GetJsonAsync("/dashboard/api/summary?limit=31");
        var list = await api.GetJsonAsync("/runs?limit=31");

        string Figures(System.Text.Json.JsonElement page) => string.Join(";", page.GetProperty("runs").EnumerateArray().Select(r =>
            $"{r.GetProperty("run_id")}:{r.GetProperty("status")}:{r.GetProperty("tokens_used")}:{r.GetProperty("phases_complete")}/{r.GetProperty("phases_total")}:{r.GetProperty("created_at")}"));
        Assert.That(Figures(summary.GetProperty("runs")), Is.EqualTo(Figures(list)));
    }

    [Test]
    public async Task GetSummary_LimitOffsetAndStatus_PageLikeGetRuns()
    {
        var third = await api.GetJsonAsync("/dashboard/api/summary?limit=10&offset=21");
        var aborted = await api.GetJsonAsync("/dashboard/api/summary?status=aborted");

        Assert.Multiple(() =>
        {
            Assert.That(third.GetProperty("runs").GetProperty("runs").GetArrayLength(), Is.EqualTo(10));
            Assert.That(third.GetProperty("runs").GetProperty("runs")[9].GetProperty("run_id").GetString(), Is.EqualTo("sum-01"), "the oldest run is last");
            Assert.That(aborted.GetProperty("runs").GetProperty("total").GetInt64(), Is.EqualTo(1));
            Assert.That(aborted.GetProperty("runs").GetProperty("status").GetString(), Is.EqualTo("ABORTED"));
            Assert.That(aborted.GetProperty("runs").GetProperty("runs")[0].GetProperty("failure_reason").GetString(), Is.EqualTo("operator"));
        });
    }

    [TestCase("limit=0", "limit")]
    [TestCase("limit=1001", "limit")]
    [TestCase("offset=-1", "offset")]
    [TestCase("offset=abc", "offset")]
    [TestCase("status=RUNNING", "status")]
    public async Task GetSummary_BadQuery_Returns400NamingTheField(string query, string field)
    {
        using var response = await api.Client.GetAsync(new Uri($"/dashboard/api/summary?{query}", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    [Test]
    public async Task GetSummary_BreakersExecutorsAlertsAndEvents_AreListed()
    {
        var summary = await api.GetJsonAsync("/dashboard/api/summary");

        var breaker = summary.GetProperty("circuit_breakers").EnumerateArray().Single();
        var executor = summary.GetProperty("executors").EnumerateArray().Single();
        var alerts = summary.GetProperty("alerts").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(breaker.GetProperty("name").GetString(), Is.EqualTo("openai"));
            Assert.That(breaker.GetProperty("state").GetString(), Is.EqualTo("open"));
            Assert.That(breaker.GetProperty("failure_count").GetInt32(), Is.EqualTo(5));
            Assert.That(executor.GetProperty("run_id").GetString(), Is.EqualTo("sum-30"));
            Assert.That(executor.GetProperty("heartbeat_age_seconds").GetDouble(), Is.InRange(2.5, 30));
            Assert.That(executor.GetProperty("stale").GetBoolean(), Is.False);
            Assert.That(alerts.Select(a => a.GetProperty("kind").GetString()), Does.Contain("breaker_open"));
            Assert.That(summary.GetProperty("recent_events").GetArrayLength(), Is.InRange(1, 15));
            Assert.That(summary.GetProperty("recent_events")[0].GetProperty("id").GetInt64(),
                Is.GreaterThan(summary.GetProperty("recent_events")[1].GetProperty("id").GetInt64()), "newest first");
        });
    }

    [Test]
    public async Task GetSummary_HostileGoal_ComesBackAsJsonTextAndNeverInHtml()
    {
        using var response = await api.Client.GetAsync(new Uri("/dashboard/api/summary", UriKind.Relative));
        var summary = await ApiHarness.ReadJsonAsync(response);
        var page = await api.Client.GetStringAsync(new Uri("/dashboard", UriKind.Relative));
        var runPage = await api.Client.GetStringAsync(new Uri("/dashboard/runs/sum-hostile", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"), "a browser never sniffs the JSON as HTML");
            Assert.That(summary.GetProperty("runs").GetProperty("runs")[0].GetProperty("goal").GetString(), Is.EqualTo(HostileGoal), "kept exactly, to be shown as text");
            Assert.That(page, Does.Not.Contain("alert("));
            Assert.That(runPage, Does.Not.Contain("alert("));
        });
    }
}
