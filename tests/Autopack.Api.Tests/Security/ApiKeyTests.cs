using System.Net;
using System.Net.Http.Headers;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Security;

public sealed class ApiKeyTests
{
    private const string Key = "s3cret-key-for-tests";

    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithKey()
    {
        api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_API_KEY"] = Key });
        await api.Db.CreateRunAsync(new PlanBuilder("key-run").Phase("key-run-p1").Build());
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [TestCase(null)]
    [TestCase("wrong")]
    [TestCase("s3cret-key-for-tests-and-more")]
    [TestCase("")]
    public async Task PostRuns_WithoutTheKey_Returns401ProblemAndWritesNothing(string? presented)
    {
        var before = RowCounts.Of(api.Db);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/runs") { Content = ApiHarness.Json(Plan("denied")) };
        if (presented is not null)
        {
            request.Headers.Add("X-API-Key", presented);
        }

        using var response = await api.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("X-API-Key"));
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
        });
    }

    [Test]
    public async Task PostRuns_WithXApiKeyHeader_Creates()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/runs") { Content = ApiHarness.Json(Plan("by-header")) };
        request.Headers.Add("X-API-Key", Key);

        using var response = await api.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task PostRuns_WithBearerToken_Creates()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/runs") { Content = ApiHarness.Json(Plan("by-bearer")) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        using var response = await api.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task PostControl_WithoutTheKey_Returns401AndWritesNoFile()
    {
        using var response = await api.PostAsync("/runs/key-run/abort");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(File.Exists(Path.Combine(api.Db.RunsDirectory, ".abort_run")), Is.False);
    }

    [TestCase("/runs")]
    [TestCase("/runs/key-run")]
    [TestCase("/health")]
    [TestCase("/circuit-breakers")]
    public async Task Get_WithoutTheKey_StaysOpen(string path)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private static string Plan(string runId) =>
        $$"""{"run_id": "{{runId}}", "goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}""";
}
