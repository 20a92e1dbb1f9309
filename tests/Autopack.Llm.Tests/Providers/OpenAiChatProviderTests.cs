using Autopack.Llm.Providers;
using Autopack.Llm.Tests.Support;

namespace Autopack.Llm.Tests.Providers;

/// <summary>What only this wire format does: the shape of its request (see <see cref="WireFormatProviderTests"/>).</summary>
public sealed class OpenAiChatProviderTests() : WireFormatFixture(WireFormat.OpenAi)
{
    [Test]
    public async Task CompleteAsync_ValidReply_PostsChatCompletionsWithModelMaxTokensMessagesAndBearerKey()
    {
        Server.Enqueue(ScriptedReply.Json(WireFormats.OpenAiReply("done", 42, 7)));
        var provider = new OpenAiChatProvider(Client, "gpt-test", "sk-test-key");

        await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "You are a builder.", "Add a health endpoint.", 321), CancellationToken.None);

        Assert.That(Server.Received, Has.Count.EqualTo(1));
        var request = Server.Received[0];
        var messages = request.Body.GetProperty("messages");
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Path, Is.EqualTo("/v1/chat/completions"));
            Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer sk-test-key"));
            Assert.That(request.Header("Content-Type"), Does.StartWith("application/json"));
            Assert.That(request.Body.GetProperty("model").GetString(), Is.EqualTo("gpt-test"));
            // The official SDK sends max_completion_tokens (OpenAI's successor of the deprecated max_tokens).
            Assert.That(request.Body.GetProperty("max_completion_tokens").GetInt32(), Is.EqualTo(321));
            Assert.That(messages.GetArrayLength(), Is.EqualTo(2));
            Assert.That(messages[0].GetProperty("role").GetString(), Is.EqualTo("system"));
            Assert.That(messages[0].GetProperty("content").GetString(), Is.EqualTo("You are a builder."));
            Assert.That(messages[1].GetProperty("role").GetString(), Is.EqualTo("user"));
            Assert.That(messages[1].GetProperty("content").GetString(), Is.EqualTo("Add a health endpoint."));
        });
    }
}
