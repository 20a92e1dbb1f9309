using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Storage.Breakers;

namespace Autopack.Api.Tests.Breakers;

public sealed class BreakersApiTests
{
    private ApiHarness api = null!;

    [SetUp]
    public async Task StartApiWithBreakers()
    {
        api = new ApiHarness();
        var breakers = api.Service<BreakerStates>();
        await breakers.PublishAsync("openai", "open", 5, DateTime.UnixEpoch, "executor-1");
        await breakers.PublishAsync("anthropic", "closed", 0, null, "executor-1");
    }

    [TearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task GetCircuitBreakers_Published_ListsEachWithState()
    {
        var list = await api.GetJsonAsync("/circuit-breakers");

        Assert.Multiple(() =>
        {
            Assert.That(list.GetArrayLength(), Is.EqualTo(2));
            Assert.That(list[1].GetProperty("name").GetString(), Is.EqualTo("openai"));
            Assert.That(list[1].GetProperty("state").GetString(), Is.EqualTo("open"));
            Assert.That(list[1].GetProperty("failure_count").GetInt32(), Is.EqualTo(5));
            Assert.That(list[1].GetProperty("reset_requested_at").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        });
    }

    [Test]
    public async Task PostReset_Named_Returns202AndMarksOnlyThatBreaker()
    {
        using var response = await api.PostAsync("/circuit-breakers/reset?name=openai");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("requested").GetInt32(), Is.EqualTo(1));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM circuit_breakers WHERE reset_requested_at IS NOT NULL AND name = 'openai'"), Is.EqualTo(1));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM circuit_breakers WHERE reset_requested_at IS NOT NULL"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task PostReset_WithoutName_MarksEveryBreaker()
    {
        using var response = await api.PostAsync("/circuit-breakers/reset");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(api.Db.Scalar("SELECT count(*) FROM circuit_breakers WHERE reset_requested_at IS NOT NULL"), Is.EqualTo(2));
    }

    [TestCase("?name=nope", HttpStatusCode.NotFound)]
    [TestCase("?name=", HttpStatusCode.BadRequest)]
    public async Task PostReset_BadName_ReturnsProblemNamingNameAndChangesNothing(string query, HttpStatusCode expected)
    {
        var before = RowCounts.Of(api.Db);

        using var response = await api.PostAsync($"/circuit-breakers/reset{query}");

        Assert.That(response.StatusCode, Is.EqualTo(expected));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("errors").TryGetProperty("name", out _), Is.True);
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM circuit_breakers WHERE reset_requested_at IS NOT NULL"), Is.Zero);
        });
    }
}
