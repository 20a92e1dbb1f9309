using Autopack.Gateway.Tests.Support;
using Autopack.Testing;

namespace Autopack.Gateway.Tests;

/// <summary>
/// 32 agent requests at once, streaming and not, against one small phase cap, with a provider that bills every
/// request's whole grant and counts its prompt higher than Autopack does: recorded usage never passes the cap, every
/// admitted request is settled (one row each, the stream whole), the rest refused in the API's own format, and
/// nothing stays reserved.
/// </summary>
public sealed class ConcurrentRequestsTests
{
    private const int Requests = 32;
    private const long PhaseCap = 5_000;

    [TestCase("openai")]
    [TestCase("anthropic")]
    public async Task Relay_32ConcurrentStreamingAndNonStreamingRequests_NeverPassTheCapAndLeaveNothingReserved(string provider)
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: PhaseCap);
        s.StandIn.ReportPrompt = ProviderStandIn.OverCountedPrompt;
        await using var gateway = await s.AttemptAsync(provider);
        var anthropic = provider == "anthropic";

        var replies = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i => Task.Run(() =>
        {
            var stream = i % 2 == 0;
            var text = $"Request {i}: " + string.Join(' ', Enumerable.Repeat("change the file", i % 5 * 4));
            return anthropic
                ? AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest(text, stream, maxTokens: 400).ToJsonString())
                : AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest(text, stream, maxTokens: 400).ToJsonString());
        }))).WaitAsync(TimeSpan.FromSeconds(120));

        var admitted = replies.Where(r => r.Status == 200).ToList();
        var refused = replies.Where(r => r.Status == (anthropic ? 402 : 429)).ToList();
        await TestContext.Out.WriteLineAsync($"{provider}: admitted {admitted.Count}, refused {refused.Count}, used {s.PhaseUsed} of {PhaseCap}");
        Assert.Multiple(() =>
        {
            Assert.That(admitted.Count + refused.Count, Is.EqualTo(Requests), "every request is either served or refused by the budget");
            Assert.That(admitted, Has.Count.GreaterThan(1));
            Assert.That(refused, Has.Count.GreaterThan(0), "the cap should have refused some, or the test proves nothing");
            Assert.That(s.PhaseUsed, Is.LessThanOrEqualTo(PhaseCap), "recorded usage passed the phase cap");
            Assert.That(s.PhaseUsed, Is.GreaterThan(PhaseCap * 0.9), "the cap should have been used up");
            Assert.That(s.Reservations, Is.Zero, "every reservation settled or released");
            Assert.That(s.UsageRows, Is.EqualTo(admitted.Count).And.EqualTo(s.StandIn.Received.Count), "one row per request that reached the provider");
            Assert.That(s.EstimatedRows, Is.Zero, "every admitted request's usage was reported");
            Assert.That(admitted.Where(r => r.Events.Count > 0).All(r => !r.Broken && r.Events[^1].Data is "[DONE]" or """{"type":"message_stop"}"""), Is.True, "admitted streams are whole");
            Assert.That(admitted.Count(r => r.Events.Count > 0), Is.GreaterThan(0), "some admitted requests streamed");
            Assert.That(refused.All(r => anthropic
                ? r.Json!["error"]!["type"]!.GetValue<string>() == "billing_error"
                : r.Json!["error"]!["code"]!.GetValue<string>() == "insufficient_quota"), Is.True);
            Assert.That(gateway.Usage.Refused, Is.EqualTo(refused.Count));
            Assert.That(gateway.Usage.TokensCharged, Is.EqualTo(s.PhaseUsed));
        });
    }
}
