using System.Net;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>GET /dashboard/api/usage-over-time on a fake clock: every bucket present, each call in the right one.</summary>
public sealed class UsageOverTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 30, TimeSpan.Zero);

    private FakeTimeProvider time = null!;
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiOnAFakeClock()
    {
        time = new FakeTimeProvider(Now - TimeSpan.FromHours(2));
        api = new ApiHarness(services: s => s.AddSingleton<TimeProvider>(time));
        await api.Db.CreateRunAsync(new PlanBuilder("chart-1").Phase("chart-1-a").Build(), time);
        time.SetUtcNow(Now);
        await api.Db.CreateRunAsync(new PlanBuilder("chart-2").Phase("chart-2-a").Build(), time);
        InsertUsageAt("chart-1", "chart-1-a", "2026-11-25T11:30:10.000Z", 100);
        InsertUsageAt("chart-1", "chart-1-a", "2026-11-25T11:30:50.000Z", 50);
        InsertUsageAt("chart-2", "chart-2-a", "2026-11-25T12:00:20.000Z", 7);
        InsertUsageAt("chart-1", "chart-1-a", "2026-11-25T10:59:59.999Z", 1000); // before the last hour
        InsertUsageAt("chart-1", "chart-1-a", "2026-11-24T12:10:00.000Z", 5000); // inside the last 24 hours only
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetUsage_LastHour_SixtyMinuteBucketsWithEachCallInItsMinute()
    {
        var timeline = await api.GetJsonAsync("/dashboard/api/usage-over-time?window=1h");

        var points = Points(timeline);
        Assert.Multiple(() =>
        {
            Assert.That(timeline.GetProperty("window").GetString(), Is.EqualTo("1h"));
            Assert.That(timeline.GetProperty("bucket_seconds").GetInt32(), Is.EqualTo(60));
            Assert.That(points, Has.Count.EqualTo(61));
            Assert.That(points[0].Start, Is.EqualTo("2026-11-25T11:00:00Z"));
            Assert.That(points[^1].Start, Is.EqualTo("2026-11-25T12:00:00Z"));
            Assert.That(points.Single(p => p.Start == "2026-11-25T11:30:00Z"), Is.EqualTo(("2026-11-25T11:30:00Z", 150L, 2L)));
            Assert.That(points[^1].Tokens, Is.EqualTo(7));
            Assert.That(timeline.GetProperty("total_tokens").GetInt64(), Is.EqualTo(157));
            Assert.That(timeline.GetProperty("total_calls").GetInt64(), Is.EqualTo(3));
            Assert.That(points.Sum(p => p.Tokens), Is.EqualTo(157));
        });
    }

    [Test]
    public async Task GetUsage_NoWindow_DefaultsToTheLastHour()
    {
        var timeline = await api.GetJsonAsync("/dashboard/api/usage-over-time");

        Assert.That(timeline.GetProperty("window").GetString(), Is.EqualTo("1h"));
    }

    [Test]
    public async Task GetUsage_LastDay_FifteenMinuteBucketsHoldingEveryCallOfTheDay()
    {
        var timeline = await api.GetJsonAsync("/dashboard/api/usage-over-time?window=24h");

        var points = Points(timeline);
        Assert.Multiple(() =>
        {
            Assert.That(timeline.GetProperty("bucket_seconds").GetInt32(), Is.EqualTo(900));
            Assert.That(points, Has.Count.EqualTo(97));
            Assert.That(points.Single(p => p.Start == "2026-11-24T12:00:00Z").Tokens, Is.EqualTo(5000));
            Assert.That(points.Single(p => p.Start == "2026-11-25T10:45:00Z").Tokens, Is.EqualTo(1000));
            Assert.That(timeline.GetProperty("total_tokens").GetInt64(), Is.EqualTo(6157));
        });
    }

    [Test]
    public async Task GetUsage_OneRunOverItsLife_OnlyThatRunFromItsCreation()
    {
        var timeline = await api.GetJsonAsync("/dashboard/api/usage-over-time?run_id=chart-1");

        var points = Points(timeline);
        Assert.Multiple(() =>
        {
            Assert.That(timeline.GetProperty("window").GetString(), Is.EqualTo("run"));
            Assert.That(timeline.GetProperty("run_id").GetString(), Is.EqualTo("chart-1"));
            Assert.That(timeline.GetProperty("bucket_seconds").GetInt32(), Is.EqualTo(300), "two hours and a minute do not fit 120 one-minute buckets");
            Assert.That(points[0].Start, Is.EqualTo("2026-11-25T10:00:00Z"), "from the run's creation");
            Assert.That(points[^1].Start, Is.EqualTo("2026-11-25T12:00:00Z"), "to now, while it is active");
            Assert.That(timeline.GetProperty("total_tokens").GetInt64(), Is.EqualTo(1150), "neither chart-2's call nor the day-old one");
        });
    }

    [Test]
    public async Task GetUsage_YoungRun_CoversAtLeastHalfAnHour()
    {
        var timeline = await api.GetJsonAsync("/dashboard/api/usage-over-time?run_id=chart-2");

        var points = Points(timeline);
        Assert.Multiple(() =>
        {
            Assert.That(points, Has.Count.EqualTo(31));
            Assert.That(points[^1].Start, Is.EqualTo("2026-11-25T12:00:00Z"));
            Assert.That(points[^1].Tokens, Is.EqualTo(7));
        });
    }

    [TestCase("window=2h", "window")]
    [TestCase("window=run", "run_id")]
    public async Task GetUsage_BadQuery_Returns400NamingTheField(string query, string field)
    {
        using var response = await api.Client.GetAsync(new Uri($"/dashboard/api/usage-over-time?{query}", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    [TestCase("run_id=ghost")]
    [TestCase("run_id=ghost&window=1h")]
    public async Task GetUsage_UnknownRun_Returns404(string query)
    {
        using var response = await api.Client.GetAsync(new Uri($"/dashboard/api/usage-over-time?{query}", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase(0, 60)]
    [TestCase(119, 60)]
    [TestCase(120, 300)]
    [TestCase(6 * 60, 300)]
    [TestCase(24 * 60, 900)]
    [TestCase(7 * 24 * 60, 7200)]
    public void BucketSecondsFor_Span_SmallestSizeWithinTheBucketLimit(int minutes, int expected)
    {
        var from = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);

        Assert.That(Api.Dashboard.UsageTimeline.BucketSecondsFor(from, from.AddMinutes(minutes)), Is.EqualTo(expected));
    }

    [TestCase(5, null, -30, 0, TestName = "RunSpan_YoungActiveRun_LastHalfHourToNow")]
    [TestCase(120, null, -120, 0, TestName = "RunSpan_LongActiveRun_CreationToNow")]
    [TestCase(120, 60, -120, -60, TestName = "RunSpan_LongEndedRun_CreationToEnd")]
    [TestCase(10, 5, -35, -5, TestName = "RunSpan_ShortEndedRun_HalfHourBeforeItsEnd")]
    public void RunSpan_RunTimes_SpanOfTheChart(int createdMinutesAgo, int? finishedMinutesAgo, int fromMinutes, int toMinutes)
    {
        var now = Now.UtcDateTime;
        DateTime? finished = finishedMinutesAgo is { } f ? now.AddMinutes(-f) : null;

        var (from, to) = Api.Dashboard.DashboardApi.RunSpan(now.AddMinutes(-createdMinutesAgo), finished, now);

        Assert.That((from, to), Is.EqualTo((now.AddMinutes(fromMinutes), now.AddMinutes(toMinutes))));
    }

    private static List<(string Start, long Tokens, long Calls)> Points(JsonElement timeline) =>
        timeline.GetProperty("points").EnumerateArray()
            .Select(p => (p.GetProperty("start").GetString()!, p.GetProperty("tokens").GetInt64(), p.GetProperty("calls").GetInt64()))
            .ToList();

    private void InsertUsageAt(string runId, string phaseId, string createdAt, long tokens)
    {
        using var connection = api.Db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
            VALUES ($run, $phase, $phase, 'offline', 'offline-1', 'builder', $tokens, 0, $at)
            """;
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$phase", phaseId);
        command.Parameters.AddWithValue("$tokens", tokens);
        command.Parameters.AddWithValue("$at", createdAt);
        command.ExecuteNonQuery();
    }
}
