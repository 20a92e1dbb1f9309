using System.Net;
using Autopack.Api.Tests.Support;

namespace Autopack.Api.Tests.RateLimiting;

public sealed class RateLimitTests
{
    [Test]
    public async Task Requests_OverThePerMinuteLimit_Get429ProblemWithRetryAfter()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = "3" });
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await api.Client.GetAsync(new Uri("/runs", UriKind.Relative));
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var refused = await api.Client.GetAsync(new Uri("/runs", UriKind.Relative));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        var problem = await ApiHarness.ReadProblemAsync(refused);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("AUTOPACK_RATE_LIMIT_PER_MINUTE"));
            Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
        });
    }

    [Test]
    public async Task Requests_FromMoreClientsThanTheCap_TrackedClientsStayBoundedInHealth()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_RATE_LIMIT_MAX_CLIENTS"] = "2" });
        foreach (var ip in new[] { "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/ready");
            request.Headers.Add(TestHooks.ClientIpHeader, ip);
            using var response = await api.Client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var healthRequest = new HttpRequestMessage(HttpMethod.Get, "/health");
        healthRequest.Headers.Add(TestHooks.ClientIpHeader, "10.1.0.1");
        using var healthResponse = await api.Client.SendAsync(healthRequest);
        var limiter = (await ApiHarness.ReadJsonAsync(healthResponse)).GetProperty("rate_limiter");

        Assert.Multiple(() =>
        {
            Assert.That(limiter.GetProperty("tracked_clients").GetInt32(), Is.EqualTo(2));
            Assert.That(limiter.GetProperty("max_clients").GetInt32(), Is.EqualTo(2));
            Assert.That(limiter.GetProperty("overflow_requests").GetInt64(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task OperatorRequests_FromARemoteClient_HaveTheirOwnTenfoldBudget()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = "2" });
        for (var i = 0; i < 2; i++)
        {
            using var data = await SendAsync(api, "/runs");
            Assert.That(data.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"data #{i}");
        }

        using var dataRefused = await SendAsync(api, "/runs");
        Assert.That(dataRefused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "the data budget is used up");
        for (var i = 0; i < 20; i++)
        {
            using var probe = await SendAsync(api, i % 2 == 0 ? "/health" : "/ready");
            Assert.That(probe.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"probe #{i}");
        }

        using var probeRefused = await SendAsync(api, "/ready");
        Assert.That(probeRefused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "20 operator requests a minute");
        var problem = await ApiHarness.ReadProblemAsync(probeRefused);
        Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("more than 20 health, metrics and control requests"));
    }

    private static async Task<HttpResponseMessage> SendAsync(ApiHarness api, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(TestHooks.ClientIpHeader, "10.2.0.1");
        return await api.Client.SendAsync(request);
    }
}
