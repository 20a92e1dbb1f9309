using System.Net;
using System.Text;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Plans;

namespace Autopack.Api.Tests.Runs;

/// <summary>
/// Plans written to break the server rather than to describe a run (issue 13): each is a 400 naming the field,
/// nothing is written, and none counts as a server error, so no client can raise the http_server_errors alert.
/// </summary>
public sealed class HostilePlanTests
{
    private const string Tiers = """
        "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]
        """;

    private ApiHarness api = null!;

    [SetUp]
    public void StartApi() => api = new ApiHarness();

    [TearDown]
    public void StopApi() => api.Dispose();

    public static IEnumerable<TestCaseData> HostilePlans()
    {
        static TestCaseData Case(string name, string body, string field) => new TestCaseData(body, field).SetName($"PostRuns_{name}_Returns400NamingField");

        yield return Case("LoneSurrogateGoal", $$"""{"goal": "\ud800", {{Tiers}}}""", "goal");
        yield return Case("LoneSurrogatePhaseName", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "\udfff"}]}]}""", "tiers[0].phases[0].phase_name");
        yield return Case("LoneSurrogateFieldName", $$"""{"goal": "g", "\ud800": 1, {{Tiers}}}""", "$");
        yield return Case("NulInRepository", $$"""{"goal": "g", "workspace": {"repository": "x\u0000y"}, {{Tiers}}}""", "workspace.repository");
        yield return Case("GoalOverLimit", $$"""{"goal": "{{new string('g', PlanLimits.MaxGoalLength + 1)}}", {{Tiers}}}""", "goal");
    }

    [TestCaseSource(nameof(HostilePlans))]
    public async Task PostRuns_HostilePlan_Returns400NamingTheField(string body, string field)
    {
        var before = RowCounts.Of(api.Db);

        using var response = await api.PostPlanAsync(body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith(field + ":"));
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
        });
    }

    [Test]
    public async Task PostRuns_SevenLoneSurrogatePlans_HealthStaysOkWithoutServerErrorAlert()
    {
        for (var i = 0; i < 7; i++)
        {
            using var response = await api.PostPlanAsync($$"""{"goal": "\ud800", {{Tiers}}}""");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        }

        var health = await api.GetJsonAsync("/health");
        var metrics = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("ok"), health.ToString());
            Assert.That(health.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("kind").GetString()), Does.Not.Contain("http_server_errors"));
            Assert.That(metrics, Does.Contain("autopack_http_server_errors_total 0"));
        });
    }

    [Test]
    public async Task PostRuns_EncodedSurrogateBytes_Returns400NamingTheDocument()
    {
        var before = RowCounts.Of(api.Db);
        var bytes = Encoding.UTF8.GetBytes("{\"goal\": \"").Concat(new byte[] { 0xED, 0xA0, 0x80 }).Concat(Encoding.UTF8.GetBytes($"\", {Tiers}}}")).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = ApiHarness.JsonType;

        using var response = await api.Client.PostAsync(new Uri("/runs", UriKind.Relative), content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("$: not valid UTF-8"));
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
        });
    }

    [Test]
    public async Task PostRuns_ByteOrderMarkThenPlan_Creates()
    {
        var bytes = Encoding.UTF8.Preamble.ToArray().Concat(Encoding.UTF8.GetBytes($$"""{"goal": "g", {{Tiers}}}""")).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = ApiHarness.JsonType;

        using var response = await api.Client.PostAsync(new Uri("/runs", UriKind.Relative), content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(created.RootElement.GetProperty("goal").GetString(), Is.EqualTo("g"));
    }
}
