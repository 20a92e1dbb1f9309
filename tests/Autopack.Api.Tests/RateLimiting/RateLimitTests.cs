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
            using var allowed = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var refused = await api.Client.GetAsync(new Uri("/ready", UriKind.Relative));

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
}
