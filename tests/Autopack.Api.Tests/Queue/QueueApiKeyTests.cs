using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Queue;

/// <summary>The queue's mutating endpoints need the API key like every other; its reads do not.</summary>
public sealed class QueueApiKeyTests
{
    private const string Key = "queue-key-for-tests";

    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task StartApiWithKey()
    {
        api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_API_KEY"] = Key });
        await api.Db.CreateRunAsync(new PlanBuilder("k-1").Phase("k-1-a").Build());
        api.Db.Scalar("UPDATE runs SET status = 'PAUSED' WHERE run_id = 'k-1'; SELECT changes()");
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [TestCase("PATCH", "/queue", """{"dispatch": false}""")]
    [TestCase("POST", "/admin/mode", """{"mode": "DRAINING"}""")]
    [TestCase("POST", "/runs/k-1/requeue", null)]
    public async Task MutatingQueueRequest_WithoutThenWithTheKey_401ThenDone(string method, string path, string? json)
    {
        HttpRequestMessage Request(string? key)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (json is not null)
            {
                request.Content = ApiHarness.Json(json);
            }

            if (key is not null)
            {
                request.Headers.Add("X-API-Key", key);
            }

            return request;
        }

        using var deniedRequest = Request(null);
        using var denied = await api.Client.SendAsync(deniedRequest);
        var settingsAfterDenied = api.Db.Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 1 AND mode = 'NORMAL'");
        var pausedAfterDenied = api.Db.Scalar("SELECT count(*) FROM runs WHERE status = 'PAUSED'");
        using var allowedRequest = Request(Key);
        using var allowed = await api.Client.SendAsync(allowedRequest);

        Assert.Multiple(() =>
        {
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That((settingsAfterDenied, pausedAfterDenied), Is.EqualTo((1L, 1L)), "nothing changed without the key");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });

        // Back to the starting state for the next case.
        api.Db.Scalar("UPDATE queue_settings SET dispatch = 1, mode = 'NORMAL'; UPDATE runs SET status = 'PAUSED'; SELECT changes()");
    }

    [TestCase("/queue")]
    [TestCase("/queue/heartbeat")]
    public async Task QueueReads_WithoutTheKey_Answered(string path)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((int)response.StatusCode, Is.AnyOf(200, 503));
    }
}
