using System.Text.Json.Nodes;
using Autopack.Gateway.Tests.Support;
using Autopack.Testing;

namespace Autopack.Gateway.Tests;

/// <summary>
/// OpenAI chat completions through the metered endpoint against a loopback provider: the request goes on with the
/// real key and the attempt's model, its max output is what the budget granted, and the usage row is the provider's
/// own figures (streams included: usage asked for upstream, read from the stream).
/// </summary>
public sealed class ChatCompletionsRelayTests
{
    [Test]
    public async Task ChatCompletions_NonStreaming_ForwardsWithTheRealKeyAndTheAttemptsModelAndRecordsTheReportedUsage()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai", "gpt-attempt-2");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("Write a.txt", stream: false, maxTokens: 300).ToJsonString());

        var upstream = s.StandIn.Received.Single();
        var reported = s.StandIn.ReportPrompt(upstream.Body);
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200), reply.Body);
            Assert.That(reply.Json!["choices"]![0]!["message"]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>(), Is.EqualTo("write_file"));
            Assert.That(upstream.Authorization, Is.EqualTo($"Bearer {GatewayScenario.OpenAiKey}"), "the provider gets the real key");
            Assert.That(upstream.Body["model"]!.GetValue<string>(), Is.EqualTo("gpt-attempt-2"), "the attempt's model, whatever the agent asked for");
            Assert.That(upstream.Body["max_tokens"]!.GetValue<int>(), Is.EqualTo(300), "the agent's max fits the budget as it is");
            Assert.That(upstream.Body["max_completion_tokens"], Is.Null, "the agent's own field is the one set");
            Assert.That(s.Rows(), Is.EqualTo(new[] { $"builder gpt-attempt-2 {reported} 300 0" }), "one row: the provider's figures, the model, the role");
            Assert.That(s.Reservations, Is.Zero);
            Assert.That(gateway.Usage, Is.EqualTo(new AttemptUsage(1, 0, reported + 300)));
        });
    }

    [Test]
    public async Task ChatCompletions_StreamWithoutUsageAsked_AsksTheProviderForUsageKeepsItsChunkFromTheAgentAndSettlesToIt()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("Write a.txt", stream: true, maxTokens: 250).ToJsonString());

        var upstream = s.StandIn.Received.Single();
        var chunks = reply.Events.Select(e => e.Data).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(reply.Broken, Is.False);
            Assert.That(upstream.Body["stream_options"]!["include_usage"]!.GetValue<bool>(), Is.True, "usage is requested in the stream");
            Assert.That(upstream.Body["model"]!.GetValue<string>(), Is.EqualTo("gpt-configured"), "no model for the attempt: the provider's configured one");
            Assert.That(chunks[^1], Is.EqualTo("[DONE]"));
            Assert.That(chunks.Count(c => c.Contains("\"choices\":[]", StringComparison.Ordinal)), Is.Zero, "the agent did not ask for the usage chunk");
            Assert.That(string.Concat(chunks.Where(c => c.Contains("arguments", StringComparison.Ordinal))), Does.Contain("a.txt"), "tool-call deltas are relayed");
            Assert.That(s.Rows(), Is.EqualTo(new[] { $"builder gpt-configured {s.StandIn.ReportPrompt(upstream.Body)} 250 0" }));
            Assert.That(s.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task ChatCompletions_StreamWithUsageAsked_RelaysTheUsageChunk()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("Write a.txt", stream: true, maxTokens: 250, askUsage: true).ToJsonString());

        var usageChunk = reply.Events.Select(e => e.Data).Single(c => c.Contains("\"choices\":[]", StringComparison.Ordinal));
        Assert.That(JsonNode.Parse(usageChunk)!["usage"]!["completion_tokens"]!.GetValue<int>(), Is.EqualTo(250));
    }

    [Test]
    public async Task ChatCompletions_NoMaxTokens_ReservesTheConfiguredMaximumAndSendsItAsMaxCompletionTokens()
    {
        await using var s = await GatewayScenario.StartAsync(maxOutputTokens: 1234);
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("Write a.txt", stream: false, maxTokens: null).ToJsonString());

        var upstream = s.StandIn.Received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(upstream.Body["max_completion_tokens"]!.GetValue<int>(), Is.EqualTo(1234), "an unbounded request is bounded before it is reserved");
            Assert.That(upstream.Body["max_tokens"], Is.Null);
        });
    }

    [Test]
    public async Task ChatCompletions_PhaseCapBelowTheAskedMax_ShrinksMaxTokensToTheHeadroom()
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 1_000);
        s.StandIn.ReportPrompt = ProviderStandIn.OverCountedPrompt;
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, AgentClient.ChatRequest("Write a.txt", stream: true, maxTokens: 4_000).ToJsonString());

        var sent = s.StandIn.Received.Single().Body["max_tokens"]!.GetValue<int>();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(sent, Is.LessThan(1_000).And.GreaterThanOrEqualTo(64), "shrunk to what the cap leaves after the prompt");
            Assert.That(s.PhaseUsed, Is.LessThanOrEqualTo(1_000), "the provider over-reports its prompt; the cap still holds");
            Assert.That(s.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task ChatCompletions_CapExhausted_RefusedWithAnInsufficientQuotaErrorThatSaysNotToRetry()
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 700, minOutputTokens: 300);
        await using var gateway = await s.AttemptAsync("openai");
        var body = AgentClient.ChatRequest("Write a.txt", stream: false, maxTokens: 400).ToJsonString();

        var first = await AgentClient.OpenAiAsync(gateway, body);
        var refused = await AgentClient.OpenAiAsync(gateway, body);

        Assert.Multiple(() =>
        {
            Assert.That(first.Status, Is.EqualTo(200));
            Assert.That(refused.Status, Is.EqualTo(429));
            Assert.That(refused.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("insufficient_quota"));
            Assert.That(refused.Json!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("insufficient_quota"));
            Assert.That(refused.Json!["error"]!["message"]!.GetValue<string>(), Does.Contain("phase budget exhausted"));
            Assert.That(refused.ShouldRetry, Is.EqualTo("false"));
            Assert.That(s.StandIn.Received, Has.Count.EqualTo(1), "a refused request never reaches the provider");
            Assert.That(s.UsageRows, Is.EqualTo(1));
            Assert.That(s.PhaseUsed, Is.LessThanOrEqualTo(700));
            Assert.That(gateway.Usage.Refused, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ChatCompletions_ToolConversation_IsCountedLikeTheBuiltInBuildersAndReservedBeforeSending()
    {
        // A second turn with an assistant tool call and its result: a prompt of about 3,000 tokens of tool output
        // cannot fit a 2,000-token cap, so it is refused before anything is sent.
        await using var s = await GatewayScenario.StartAsync(phaseCap: 2_000);
        await using var gateway = await s.AttemptAsync("openai");
        var body = AgentClient.ChatRequest("Write a.txt", stream: false, maxTokens: 100);
        var messages = body["messages"]!.AsArray();
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call_1",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "read_file", ["arguments"] = """{"path":"big.txt"}""" },
            }),
        });
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = string.Join(' ', Enumerable.Repeat("line of a large file", 750)) });

        var reply = await AgentClient.OpenAiAsync(gateway, body.ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(429), reply.Body);
            Assert.That(s.StandIn.Received, Is.Empty);
            Assert.That(s.Reservations, Is.Zero);
        });
    }
}
