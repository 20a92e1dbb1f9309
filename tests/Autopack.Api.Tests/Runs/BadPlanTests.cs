using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Autopack.Api.Tests.Support;

namespace Autopack.Api.Tests.Runs;

/// <summary>Every kind of bad POST /runs: a 4xx problem naming the field, never a 500, and nothing written.</summary>
public sealed class BadPlanTests
{
    private const string ValidPhase = """{"phase_name": "p"}""";

    private ApiHarness api = null!;

    [OneTimeSetUp]
    public void StartApi() => api = new ApiHarness();

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    public static IEnumerable<TestCaseData> BadPlans()
    {
        static TestCaseData Case(string name, string body, string field) => new TestCaseData(body, field).SetName($"PostRuns_{name}_Returns400NamingField");

        yield return Case("GoalWrongType", $$"""{"goal": 5, "tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "goal");
        yield return Case("CapAsString", $$"""{"goal": "g", "token_cap": "lots", "tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "token_cap");
        yield return Case("NegativeRunCap", $$"""{"goal": "g", "token_cap": -1, "tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "token_cap");
        yield return Case("NegativePhaseCap", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "token_cap": -5}]}]}""", "tiers[0].phases[0].token_cap");
        yield return Case("HugeCap", $$"""{"goal": "g", "token_cap": 1e30, "tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "token_cap");
        yield return Case("UnknownTopField", $$"""{"goal": "g", "colour": "red", "tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "colour");
        yield return Case("UnknownPhaseField", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "colour": 1}]}]}""", "tiers[0].phases[0].colour");
        yield return Case("MissingGoal", $$"""{"tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "goal");
        yield return Case("MissingTiers", """{"goal": "g"}""", "tiers");
        yield return Case("EmptyTiers", """{"goal": "g", "tiers": []}""", "tiers");
        yield return Case("TiersNotArray", """{"goal": "g", "tiers": {}}""", "tiers");
        yield return Case("MissingPhaseName", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"goal": "x"}]}]}""", "tiers[0].phases[0].phase_name");
        yield return Case("UnsafeRunId", $$"""{"run_id": "../etc", "goal": "g", "tiers": [{"name": "t", "phases": [{{ValidPhase}}]}]}""", "run_id");
        yield return Case("DuplicatePhaseIdsInPlan", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_id": "a", "phase_name": "p"}, {"phase_id": "a", "phase_name": "q"}]}]}""", "tiers[0].phases[1].phase_id");
        yield return Case("ZeroMaxAttempts", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "max_attempts": 0}]}]}""", "tiers[0].phases[0].max_attempts");
        yield return Case("UnknownProvider", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "provider": "gpt"}]}]}""", "tiers[0].phases[0].provider");
        yield return Case("ExternalBuilderOnOffline", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "builder": {"command": "aider"}}]}]}""", "tiers[0].phases[0].builder");
        yield return Case("BuilderWithoutCommand", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p"}, {"phase_name": "q", "provider": "openai", "builder": {}}]}]}""", "tiers[0].phases[1].builder.command");
        yield return Case("BuilderTimeoutNegative", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "provider": "anthropic", "builder": {"command": "claude -p hi", "timeout_seconds": -1}}]}]}""", "tiers[0].phases[0].builder.timeout_seconds");
        yield return Case("EmptyModels", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "models": []}]}]}""", "tiers[0].phases[0].models");
        yield return Case("ModelNotAString", """{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p", "models": ["small", {"name": "large"}]}]}]}""", "tiers[0].phases[0].models[1]");
        yield return Case("InvalidJson", """{"goal": "g", "tiers": [""", "$");
        yield return Case("EmptyBody", string.Empty, "$");
        yield return Case("WhitespaceBody", "   \n", "$");
        yield return Case("ArrayRoot", "[1, 2]", "$");
        yield return Case("NullRoot", "null", "$");
        yield return Case("DeeplyNested", new string('[', 200) + new string(']', 200), "$");
    }

    [TestCaseSource(nameof(BadPlans))]
    public async Task PostRuns_BadPlan_Returns400ProblemNamingTheField(string body, string field)
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

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase(null)]
    public async Task PostRuns_WrongContentType_Returns415NamingContentType(string? contentType)
    {
        var before = RowCounts.Of(api.Db);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"goal": "g", "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}"""));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await api.Client.PostAsync(new Uri("/runs", UriKind.Relative), content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("Content-Type:"));
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
        });
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task PostRuns_BodyOverOneMebibyte_Returns413NamingBody(bool withContentLength)
    {
        var before = RowCounts.Of(api.Db);
        var padding = new string(' ', 2 * 1024 * 1024);
        var bytes = Encoding.UTF8.GetBytes($$"""{"goal": "g",{{padding}} "tiers": [{"name": "t", "phases": [{"phase_name": "p"}]}]}""");
        using HttpContent content = withContentLength ? new ByteArrayContent(bytes) : new StreamContent(new UnknownLengthStream(bytes));
        content.Headers.ContentType = ApiHarness.JsonType;

        using var response = await api.Client.PostAsync(new Uri("/runs", UriKind.Relative), content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("body:"));
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
        });
    }

    [Test]
    public async Task PostRuns_InvalidUtf8_Returns400NamingTheDocument()
    {
        var before = RowCounts.Of(api.Db);
        using var content = new ByteArrayContent([(byte)'{', 0xC3, 0x28, (byte)'}']);
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

    /// <summary>A body sent chunked, without Content-Length, so only the streaming limit can catch it.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
