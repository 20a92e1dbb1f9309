using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Runs;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

public sealed class ListRunsTests
{
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithRuns()
    {
        api = new ApiHarness();
        for (var i = 1; i <= 5; i++)
        {
            await api.Db.CreateRunAsync(new PlanBuilder($"list-{i}").Phase($"list-{i}-p1").Build());
        }

        await api.Service<RunStateWriter>().TransitionRunAsync("list-2", RunStatus.Aborted, "operator");
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetRuns_NoQuery_ListsNewestFirstWithTotal()
    {
        var page = await api.GetJsonAsync("/runs");

        Assert.Multiple(() =>
        {
            Assert.That(page.GetProperty("total").GetInt64(), Is.EqualTo(5));
            Assert.That(page.GetProperty("limit").GetInt32(), Is.EqualTo(50));
            Assert.That(page.GetProperty("runs").GetArrayLength(), Is.EqualTo(5));
            Assert.That(page.GetProperty("runs")[0].GetProperty("phases_total").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetRuns_StatusFilter_ReturnsOnlyThatStatusBySpecName()
    {
        var page = await api.GetJsonAsync("/runs?status=ABORTED");

        Assert.Multiple(() =>
        {
            Assert.That(page.GetProperty("total").GetInt64(), Is.EqualTo(1));
            Assert.That(page.GetProperty("runs")[0].GetProperty("run_id").GetString(), Is.EqualTo("list-2"));
            Assert.That(page.GetProperty("runs")[0].GetProperty("status").GetString(), Is.EqualTo("ABORTED"));
            Assert.That(page.GetProperty("runs")[0].GetProperty("failure_reason").GetString(), Is.EqualTo("operator"));
        });
    }

    [Test]
    public async Task GetRuns_LimitAndOffset_PageThroughAll()
    {
        var first = await api.GetJsonAsync("/runs?limit=2&offset=0");
        var third = await api.GetJsonAsync("/runs?limit=2&offset=4");

        Assert.Multiple(() =>
        {
            Assert.That(first.GetProperty("runs").GetArrayLength(), Is.EqualTo(2));
            Assert.That(third.GetProperty("runs").GetArrayLength(), Is.EqualTo(1));
            Assert.That(third.GetProperty("total").GetInt64(), Is.EqualTo(5));
        });
    }

    [TestCase("limit=-1", "limit")]
    [TestCase("limit=0", "limit")]
    [TestCase("limit=1001", "limit")]
    [TestCase("limit=abc", "limit")]
    [TestCase("limit=99999999999", "limit")]
    [TestCase("offset=-1", "offset")]
    [TestCase("offset=1.5", "offset")]
    [TestCase("status=NOPE", "status")]
    [TestCase("status=", "status")]
    public async Task GetRuns_BadQuery_Returns400NamingTheParameter(string query, string field)
    {
        using var response = await api.Client.GetAsync(new Uri($"/runs?{query}", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(field + ":"));
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True);
        });
    }
}
