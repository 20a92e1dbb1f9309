using Autopack.Api.Tests.Support;
using Autopack.Storage.Breakers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Health;

/// <summary>/health keeps its database checks for one second of the server's clock, then checks again.</summary>
public sealed class HealthCacheTests
{
    [Test]
    public async Task GetHealth_WithinOneSecond_ServesTheSameReportThenChecksAgain()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        using var api = new ApiHarness(services: s => s.AddSingleton<TimeProvider>(clock));
        var first = await api.GetJsonAsync("/health");
        await api.Service<BreakerStates>().PublishAsync("openai", "Open", 5, DateTime.UnixEpoch, "executor-1");

        clock.Advance(TimeSpan.FromMilliseconds(500));
        var cached = await api.GetJsonAsync("/health");
        clock.Advance(TimeSpan.FromMilliseconds(600));
        var fresh = await api.GetJsonAsync("/health");

        Assert.Multiple(() =>
        {
            Assert.That(first.GetProperty("circuit_breakers").EnumerateObject(), Is.Empty);
            Assert.That(cached.GetProperty("circuit_breakers").EnumerateObject(), Is.Empty, "served from the cache");
            Assert.That(fresh.GetProperty("circuit_breakers").TryGetProperty("openai", out _), Is.True, "checked again after a second");
            Assert.That(fresh.GetProperty("status").GetString(), Is.EqualTo("degraded"));
        });
    }
}
