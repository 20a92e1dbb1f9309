using Autopack.Llm.Providers;
using Autopack.Llm.Tests.Support;

namespace Autopack.Llm.Tests.Providers;

/// <summary>What only this wire format does: the shape of its request, the text of its blocks, its cache tokens (see <see cref="WireFormatProviderTests"/>).</summary>
public sealed class AnthropicMessagesProviderTests() : WireFormatFixture(WireFormat.Anthropic)
{
    [Test]
    public async Task CompleteAsync_ValidReply_PostsMessagesWithModelMaxTokensSystemAndApiKeyHeaders()
    {
        Server.Enqueue(ScriptedReply.Json(WireFormats.AnthropicReply("done", 42, 7)));
        var provider = new AnthropicMessagesProvider(Client, "claude-test", "ak-test-key");

        await provider.CompleteAsync(LlmRequest.FromPrompts("auditor", "You are an auditor.", "Review this.", 777), CancellationToken.None);

        Assert.That(Server.Received, Has.Count.EqualTo(1));
        var request = Server.Received[0];
        var messages = request.Body.GetProperty("messages");
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Path, Is.EqualTo("/v1/messages"));
            // The official SDK sends the API key as a Bearer token and its own API version (a date).
            Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer ak-test-key"));
            Assert.That(request.Header("anthropic-version"), Does.Match(@"^\d{4}-\d\d-\d\d$"));
            Assert.That(request.Body.GetProperty("model").GetString(), Is.EqualTo("claude-test"));
            Assert.That(request.Body.GetProperty("max_tokens").GetInt32(), Is.EqualTo(777));
            // The SDK sends system and content as lists of text blocks (the API takes either shape).
            Assert.That(request.Body.GetProperty("system")[0].GetProperty("type").GetString(), Is.EqualTo("text"));
            Assert.That(request.Body.GetProperty("system")[0].GetProperty("text").GetString(), Is.EqualTo("You are an auditor."));
            Assert.That(messages.GetArrayLength(), Is.EqualTo(1));
            Assert.That(messages[0].GetProperty("role").GetString(), Is.EqualTo("user"));
            Assert.That(messages[0].GetProperty("content")[0].GetProperty("text").GetString(), Is.EqualTo("Review this."));
        });
    }

    [Test]
    public async Task CompleteAsync_ValidReply_ReturnsJoinedTextBlocksUsageAndServedModel()
    {
        var body = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-test-20260101",
             "content":[{"type":"text","text":"APPROVED. "},{"type":"tool_use","id":"t","name":"x","input":{}},{"type":"text","text":"Looks good."}],
             "usage":{"input_tokens":900,"output_tokens":12}}
            """;
        Server.Enqueue(ScriptedReply.Json(body));
        var provider = new AnthropicMessagesProvider(Client, "claude-test", "ak-test-key");

        var response = await provider.CompleteAsync(LlmRequest.FromPrompts("auditor", "s", "u", 100), CancellationToken.None);

        Assert.That((response.Text, response.PromptTokens, response.CompletionTokens, response.Model), Is.EqualTo(("APPROVED. Looks good.", 900L, 12L, "claude-test-20260101")));
    }

    [Test]
    public async Task CompleteAsync_ReplyWithCacheTokens_CountsCacheWritesAndReadsAsPrompt()
    {
        Server.Enqueue(ScriptedReply.Json(WireFormats.AnthropicToolUseReply("toolu_1", "finish", """{"summary":"done"}""", 100, 12, cacheCreation: 20, cacheRead: 3000)));
        var provider = new AnthropicMessagesProvider(Client, "claude-test", "ak-test-key");

        var response = await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 100), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.PromptTokens, Is.EqualTo(100 + 20 + 3000));
            Assert.That(response.CompletionTokens, Is.EqualTo(12));
        });
    }

    [Test]
    public async Task CompleteAsync_NoApiKey_StillSendsVersionButNoKey()
    {
        Server.Enqueue(ScriptedReply.Json(WireFormats.AnthropicReply("ok", 1, 1)));
        var provider = new AnthropicMessagesProvider(Client, "claude-test", apiKey: null);

        await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 10), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(Server.Received[0].Header("Authorization"), Is.Null);
            Assert.That(Server.Received[0].Header("x-api-key"), Is.Null);
            Assert.That(Server.Received[0].Header("anthropic-version"), Does.Match(@"^\d{4}-\d\d-\d\d$"));
        });
    }
}
