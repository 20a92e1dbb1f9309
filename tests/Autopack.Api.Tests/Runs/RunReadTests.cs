using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

public sealed class RunReadTests
{
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithRun()
    {
        api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("read-1", runCap: 10_000).Phase("read-1-a", cap: 4000).Tier("second").Phase("read-1-b", cap: 2000).Build());
        Rows.InsertUsage(api.Db, "read-1", "read-1-a", 1000, 500, provider: "openai", model: "gpt-4o-mini");
        Rows.InsertUsage(api.Db, "read-1", "read-1-a", 200, 100, provider: "offline", model: "offline-1");
        Rows.InsertUsage(api.Db, "read-1", "read-1-b", 50, 50, provider: "offline", model: "offline-1");
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetRun_Existing_ReturnsTiersPhasesAndTokensUsed()
    {
        var run = await api.GetJsonAsync("/runs/read-1");

        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("status").GetString(), Is.EqualTo("QUEUED"));
            Assert.That(run.GetProperty("tokens_used").GetInt64(), Is.EqualTo(1900));
            Assert.That(run.GetProperty("tiers").GetArrayLength(), Is.EqualTo(2));
            Assert.That(run.GetProperty("tiers")[1].GetProperty("name").GetString(), Is.EqualTo("second"));
            Assert.That(run.GetProperty("tiers")[0].GetProperty("phases")[0].GetProperty("tokens_used").GetInt64(), Is.EqualTo(1800));
        });
    }

    [Test]
    public async Task GetRunPhases_Existing_ListsPhasesInOrderWithStatusNames()
    {
        var phases = await api.GetJsonAsync("/runs/read-1/phases");

        Assert.Multiple(() =>
        {
            Assert.That(phases.GetArrayLength(), Is.EqualTo(2));
            Assert.That(phases[0].GetProperty("phase_id").GetString(), Is.EqualTo("read-1-a"));
            Assert.That(phases[1].GetProperty("tier").GetString(), Is.EqualTo("second"));
            Assert.That(phases[1].GetProperty("status").GetString(), Is.EqualTo("QUEUED"));
            Assert.That(phases[1].GetProperty("token_cap").GetInt64(), Is.EqualTo(2000));
            Assert.That(phases[1].GetProperty("max_attempts").GetInt32(), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task GetRunUsage_Existing_ReturnsTotalsByPhaseProviderAndModelAgainstCaps()
    {
        var usage = await api.GetJsonAsync("/runs/read-1/usage");

        Assert.Multiple(() =>
        {
            Assert.That(usage.GetProperty("total_tokens").GetInt64(), Is.EqualTo(1900));
            Assert.That(usage.GetProperty("prompt_tokens").GetInt64(), Is.EqualTo(1250));
            Assert.That(usage.GetProperty("calls").GetInt64(), Is.EqualTo(3));
            Assert.That(usage.GetProperty("token_cap").GetInt64(), Is.EqualTo(10_000));
            Assert.That(usage.GetProperty("percent_of_cap").GetDouble(), Is.EqualTo(19.0));
            Assert.That(usage.GetProperty("phases")[0].GetProperty("total_tokens").GetInt64(), Is.EqualTo(1800));
            Assert.That(usage.GetProperty("phases")[0].GetProperty("percent_of_cap").GetDouble(), Is.EqualTo(45.0));
            Assert.That(usage.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()), Is.EqualTo(new[] { "offline", "openai" }));
            Assert.That(usage.GetProperty("models").GetArrayLength(), Is.EqualTo(2));
        });
    }

    [TestCase("/runs/nope")]
    [TestCase("/runs/nope/phases")]
    [TestCase("/runs/nope/usage")]
    [TestCase("/runs/..%2F..%2Fetc")]
    public async Task Get_UnknownRun_Returns404Problem(string path)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("not found").Or.Contain("no endpoint"));
    }
}
