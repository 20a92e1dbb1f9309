using Autopack.Gateway.Tests.Support;
using Autopack.Llm.Resilience;
using Autopack.Testing;

namespace Autopack.Gateway.Tests;

/// <summary>
/// When the provider fails: an error status is relayed and nothing charged; a request that may have been billed
/// (no answer in time, a reply or stream cut off, a stream without usage, usage that cannot be true) is charged
/// the prompt plus what was counted of the output, marked estimated, never past the cap; the agent sees a cut
/// stream as broken; stopping the attempt ends its requests in flight with their reservations settled.
/// </summary>
public sealed class UpstreamFailureTests
{
    [Test]
    public async Task ChatCompletions_ProviderAnswers500_RelayedAsItCameAndNothingCharged()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.ServerError;
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: true).ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(500));
            Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("server_error"));
            Assert.That(s.UsageRows + s.Reservations, Is.Zero, "an error status is not billed: released");
        });
    }

    [Test]
    public async Task Messages_ProviderRateLimits_RelayedWithItsRetryAfter()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.RateLimited;
        await using var gateway = await s.AttemptAsync("anthropic");

        var reply = await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: false).ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(429));
            Assert.That(reply.RetryAfter, Is.EqualTo("7"), "the agent's SDK waits what the provider asked");
            Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("rate_limit_error"));
            Assert.That(s.UsageRows + s.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task ChatCompletions_ProviderRefusesTheRealKey_TheAgentIsToldWithoutTheProvidersText()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.Unauthorized;
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: false).ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(401));
            Assert.That(reply.Body, Does.Not.Contain("sk-real"), "the provider's message may quote the real key");
            Assert.That(reply.Json!["error"]!["message"]!.GetValue<string>(), Does.Contain("refused Autopack's key"));
            Assert.That(reply.ShouldRetry, Is.EqualTo("false"));
        });
    }

    [TestCase("openai")]
    [TestCase("anthropic")]
    public async Task Relay_ProviderNeverAnswers_504AndChargedThePromptAsAnEstimate(string provider)
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 2_000, resilience: GatewayScenario.Resilience with { AttemptTimeout = TimeSpan.FromSeconds(1) });
        s.StandIn.Choose = _ => StandInMode.Hang;
        await using var gateway = await s.AttemptAsync(provider);

        var reply = provider == "openai"
            ? await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: false).ToJsonString())
            : await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: true).ToJsonString());

        var row = s.Rows().Single().Split(' ');
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(504));
            Assert.That(provider == "openai" ? reply.Json!["error"]!["code"]!.GetValue<string>() : reply.Json!["error"]!["type"]!.GetValue<string>(),
                Is.EqualTo(provider == "openai" ? "timeout" : "timeout_error"));
            Assert.That(long.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0), "the prompt is charged");
            Assert.That(row[3], Is.EqualTo("0"));
            Assert.That(row[4], Is.EqualTo("1"), "marked estimated");
            Assert.That(s.Reservations, Is.Zero);
            Assert.That(s.PhaseUsed, Is.LessThanOrEqualTo(2_000));
        });
    }

    [TestCase("openai")]
    [TestCase("anthropic")]
    public async Task Relay_StreamCutOff_TheAgentSeesItBrokenAndItIsChargedThePromptAndTheStreamedOutput(string provider)
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 3_000);
        s.StandIn.Choose = _ => StandInMode.Cut;
        await using var gateway = await s.AttemptAsync(provider);

        // The provider drops the connection once the agent has the first events (so the endpoint had read them).
        void Cut(int events) => s.StandIn.CutNow.TrySetResult();
        var reply = provider == "openai"
            ? await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: true, maxTokens: 500).ToJsonString(), onEvent: Cut)
            : await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: true, maxTokens: 500).ToJsonString(), onEvent: Cut);

        var row = s.Rows().Single().Split(' ');
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200), "the stream had started");
            Assert.That(reply.Broken, Is.True, "a cut stream must not look whole to the agent");
            Assert.That(row[4], Is.EqualTo("1"), "marked estimated");
            Assert.That(long.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
            Assert.That(long.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0).And.LessThan(500), "what was streamed, counted");
            Assert.That(s.Reservations, Is.Zero);
        });
    }

    [TestCase("openai")]
    [TestCase("anthropic")]
    public async Task Relay_StreamWithoutUsage_SettledByCountingAndMarkedEstimated(string provider)
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.NoUsage;
        await using var gateway = await s.AttemptAsync(provider);

        var reply = provider == "openai"
            ? await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: true, maxTokens: 500).ToJsonString())
            : await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: true, maxTokens: 500).ToJsonString());

        var row = s.Rows().Single().Split(' ');
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(reply.Broken, Is.False, "the stream itself was whole");
            Assert.That(row[4], Is.EqualTo("1"));
            Assert.That(long.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), Is.InRange(5, 40), "the text and the tool call, counted");
            Assert.That(s.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task ChatCompletions_ReplyCutOff_502AndChargedAsAnEstimate()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.Cut;
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: false).ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(502));
            Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("server_error"));
            Assert.That(s.EstimatedRows, Is.EqualTo(1));
            Assert.That(s.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task Messages_UsageThatCannotBeTrue_ChargedAsAnEstimateWithinTheCap()
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 2_000);
        s.StandIn.Choose = _ => StandInMode.AbsurdUsage;
        await using var gateway = await s.AttemptAsync("anthropic");

        var reply = await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: false, maxTokens: 300).ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(s.EstimatedRows, Is.EqualTo(1));
            Assert.That(s.PhaseUsed, Is.GreaterThan(0).And.LessThanOrEqualTo(400), "the prompt and the counted reply, not 100 million");
        });
    }

    [Test]
    public async Task StopAsync_RequestInFlight_ItEndsAndItsReservationIsSettledBeforeStopReturns()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.Hang;
        var gateway = await s.AttemptAsync("openai");
        var request = AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("hi", stream: true).ToJsonString());
        Assert.That(await Eventually.TrueAsync(() => s.StandIn.Received.Count == 1, TimeSpan.FromSeconds(20)), Is.True, "the request reached the provider");
        Assert.That(s.Reservations, Is.EqualTo(1), "held while the provider works");

        await gateway.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(s.Reservations, Is.Zero, "nothing of the attempt stays reserved once StopAsync returns");
            Assert.That(s.EstimatedRows, Is.EqualTo(1), "the request was sent: the prompt is charged");
        });
        var reply = await request.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(reply.Status != 200 || reply.Broken || reply.Body.Length == 0, Is.True, "the agent's request ended without a reply");
    }

    [Test]
    public async Task DisposeAsync_AttemptOpenWithARequestInFlight_SettledBeforeTheEndpointStops()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.Hang;
        var gateway = await s.AttemptAsync("anthropic");
        var request = AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: true).ToJsonString());
        Assert.That(await Eventually.TrueAsync(() => s.StandIn.Received.Count == 1, TimeSpan.FromSeconds(20)), Is.True);

        await s.Endpoint.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(s.Reservations, Is.Zero);
            Assert.That(s.EstimatedRows, Is.EqualTo(1));
        });
        await request.WaitAsync(TimeSpan.FromSeconds(20));
        await gateway.StopAsync();
    }

    [Test]
    public async Task ChatCompletions_ProviderBreakerOpen_503WithRetryAfterAndNothingSent()
    {
        var resilience = new ResilienceOptions { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(30), MaxRetryAttempts = 1, AttemptTimeout = TimeSpan.FromSeconds(20) };
        await using var s = await GatewayScenario.StartAsync(resilience: resilience);
        s.StandIn.Choose = _ => StandInMode.ServerError;
        await using var gateway = await s.AttemptAsync("openai");
        var body = AgentClient.ChatRequest("hi", stream: false).ToJsonString();

        var replies = new List<AgentReply>();
        for (var i = 0; i < 4; i++)
        {
            replies.Add(await AgentClient.OpenAiAsync(gateway, body));
        }

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r.Status), Does.Contain(503), "the breaker opened after the 500s");
            var open = replies.First(r => r.Status == 503);
            Assert.That(open.Json!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("service_unavailable"));
            Assert.That(open.RetryAfter, Is.Not.Null);
            Assert.That(s.StandIn.Received.Count, Is.LessThan(4), "an open breaker sends nothing");
            Assert.That(s.UsageRows + s.Reservations, Is.Zero);
        });
    }
}
