using System.Text.Json.Nodes;
using Autopack.Gateway.Tests.Support;
using Autopack.Testing;

namespace Autopack.Gateway.Tests;

/// <summary>
/// Anthropic Messages through the metered endpoint against a loopback provider speaking that format: tool_use blocks
/// and every streaming event relayed, cache tokens charged as prompt, refusals as Anthropic errors, count_tokens.
/// </summary>
public sealed class MessagesRelayTests
{
    [Test]
    public async Task Messages_StreamWithToolUse_RelaysEveryEventAndSettlesToTheReportedUsage()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("anthropic", "claude-attempt-1");

        var reply = await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("Write a.txt", stream: true, maxTokens: 320).ToJsonString());

        var upstream = s.StandIn.Received.Single();
        var names = reply.Events.Select(e => e.Name).ToList();
        var toolStart = reply.Events.Single(e => e.Name == "content_block_start" && e.Data.Contains("\"tool_use\"", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(reply.Broken, Is.False);
            Assert.That(names, Is.EqualTo(new[]
            {
                "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
            }));
            Assert.That(JsonNode.Parse(toolStart.Data)!["content_block"]!["name"]!.GetValue<string>(), Is.EqualTo("write_file"));
            Assert.That(string.Concat(reply.Events.Where(e => e.Data.Contains("input_json_delta", StringComparison.Ordinal)).Select(e => JsonNode.Parse(e.Data)!["delta"]!["partial_json"]!.GetValue<string>())),
                Is.EqualTo("""{"path": "a.txt", "content": "x"}"""));
            Assert.That(upstream.ApiKey, Is.EqualTo(GatewayScenario.AnthropicKey), "the provider gets the real key");
            Assert.That(upstream.Authorization, Is.Empty);
            Assert.That(upstream.AnthropicVersion, Is.EqualTo("2023-06-01"));
            Assert.That(upstream.Body["model"]!.GetValue<string>(), Is.EqualTo("claude-attempt-1"));
            Assert.That(upstream.Body["max_tokens"]!.GetValue<int>(), Is.EqualTo(320));
            Assert.That(s.Rows(), Is.EqualTo(new[] { $"builder claude-attempt-1 {s.StandIn.ReportPrompt(upstream.Body)} 320 0" }), "input plus cache reads as prompt, message_delta's output");
            Assert.That(s.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task Messages_NonStreaming_RelaysTheToolUseReplyAndChargesCacheTokensAsPrompt()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("anthropic");

        var reply = await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("Write a.txt", stream: false, maxTokens: 200).ToJsonString());

        var upstream = s.StandIn.Received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(reply.Json!["content"]![1]!["type"]!.GetValue<string>(), Is.EqualTo("tool_use"));
            Assert.That(reply.Json!["usage"]!["cache_read_input_tokens"]!.GetValue<long>(), Is.EqualTo(ProviderStandIn.CacheReadTokens));
            Assert.That(s.Rows(), Is.EqualTo(new[] { $"builder claude-configured {s.StandIn.ReportPrompt(upstream.Body)} 200 0" }));
        });
    }

    [Test]
    public async Task Messages_CapExhausted_RefusedWithABillingErrorInAnthropicsFormat()
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 600, minOutputTokens: 300);
        await using var gateway = await s.AttemptAsync("anthropic");
        var body = AgentClient.MessagesRequest("Write a.txt", stream: true, maxTokens: 400).ToJsonString();

        var first = await AgentClient.AnthropicAsync(gateway, body);
        var refused = await AgentClient.AnthropicAsync(gateway, body);

        Assert.Multiple(() =>
        {
            Assert.That(first.Status, Is.EqualTo(200));
            Assert.That(refused.Status, Is.EqualTo(402));
            Assert.That(refused.Json!["type"]!.GetValue<string>(), Is.EqualTo("error"));
            Assert.That(refused.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("billing_error"));
            Assert.That(refused.Json!["error"]!["message"]!.GetValue<string>(), Does.Contain("budget exhausted"));
            Assert.That(refused.ShouldRetry, Is.EqualTo("false"));
            Assert.That(s.StandIn.Received, Has.Count.EqualTo(1));
            Assert.That(s.PhaseUsed, Is.LessThanOrEqualTo(600));
        });
    }

    [Test]
    public async Task Messages_ThinkingBudgetAboveTheGrant_IsShrunkBelowMaxTokens()
    {
        await using var s = await GatewayScenario.StartAsync(phaseCap: 3_000);
        await using var gateway = await s.AttemptAsync("anthropic");
        var body = AgentClient.MessagesRequest("Think, then write a.txt", stream: false, maxTokens: 16_000);
        body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 10_000 };

        var reply = await AgentClient.AnthropicAsync(gateway, body.ToJsonString());

        var sent = s.StandIn.Received.Single().Body;
        var maxTokens = sent["max_tokens"]!.GetValue<int>();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(maxTokens, Is.LessThan(3_000));
            Assert.That(sent["thinking"]!["budget_tokens"]!.GetValue<int>(), Is.EqualTo(maxTokens - 1), "Anthropic refuses a thinking budget not below max_tokens");
        });
    }

    [Test]
    public async Task CountTokens_Forwarded_WithTheRealKeyAndNotCharged()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("anthropic", "claude-attempt-1");
        var body = AgentClient.MessagesRequest("How long is this?", stream: false);
        body.Remove("max_tokens");

        var reply = await AgentClient.AnthropicAsync(gateway, body.ToJsonString(), path: "messages/count_tokens");

        var upstream = s.StandIn.Received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200));
            Assert.That(reply.Json!["input_tokens"]!.GetValue<long>(), Is.EqualTo(s.StandIn.ReportPrompt(upstream.Body)));
            Assert.That(upstream.Path, Is.EqualTo("/v1/messages/count_tokens"));
            Assert.That(upstream.ApiKey, Is.EqualTo(GatewayScenario.AnthropicKey));
            Assert.That(upstream.Body["model"]!.GetValue<string>(), Is.EqualTo("claude-attempt-1"));
            Assert.That(upstream.Body["max_tokens"], Is.Null);
            Assert.That(s.UsageRows, Is.Zero, "counting is free");
        });
    }

    [Test]
    public async Task CountTokens_ProviderWithoutTheEndpoint_AnsweredWithAutopacksOwnCount()
    {
        await using var s = await GatewayScenario.StartAsync();
        s.StandIn.Choose = _ => StandInMode.NotFound;
        await using var gateway = await s.AttemptAsync("anthropic");
        var body = AgentClient.MessagesRequest("How long is this?", stream: false);
        body.Remove("max_tokens");

        var reply = await AgentClient.AnthropicAsync(gateway, body.ToJsonString(), path: "messages/count_tokens");

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(200), reply.Body);
            Assert.That(reply.Json!["input_tokens"]!.GetValue<long>(), Is.GreaterThan(20).And.LessThan(200));
            Assert.That(s.UsageRows, Is.Zero);
        });
    }
}
