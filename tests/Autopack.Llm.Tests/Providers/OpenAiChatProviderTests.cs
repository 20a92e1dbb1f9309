using Autopack.Llm.Providers;
using Autopack.Llm.Tests.Support;

namespace Autopack.Llm.Tests.Providers;

public sealed class OpenAiChatProviderTests
{
    private ScriptedProviderServer server = null!;
    private HttpClient client = null!;

    [SetUp]
    public async Task StartServer()
    {
        server = await ScriptedProviderServer.StartAsync();

        // As in production: the configured base URL ends in /v1 and gets its trailing slash added.
        client = new HttpClient
        {
            BaseAddress = LlmServiceCollectionExtensions.WithTrailingSlash(new Uri(server.BaseAddress, "v1").ToString()),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    [TearDown]
    public async Task StopServer()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Test]
    public async Task CompleteAsync_ValidReply_PostsChatCompletionsWithModelMaxTokensMessagesAndBearerKey()
    {
        server.Enqueue(ScriptedReply.Json(WireFormats.OpenAiReply("done", 42, 7)));
        var provider = new OpenAiChatProvider(client, "gpt-test", "sk-test-key");

        await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "You are a builder.", "Add a health endpoint.", 321), CancellationToken.None);

        Assert.That(server.Received, Has.Count.EqualTo(1));
        var request = server.Received[0];
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

    [Test]
    public async Task CompleteAsync_ValidReply_ReturnsTextUsageAndServedModel()
    {
        server.Enqueue(ScriptedReply.Json(WireFormats.OpenAiReply("the answer", 1234, 56, model: "gpt-test-2026-01-01")));
        var provider = new OpenAiChatProvider(client, "gpt-test", "sk-test-key");

        var response = await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 100), CancellationToken.None);

        Assert.That((response.Text, response.PromptTokens, response.CompletionTokens, response.Model), Is.EqualTo(("the answer", 1234L, 56L, "gpt-test-2026-01-01")));
    }

    [Test]
    public async Task CompleteAsync_NoApiKey_SendsNoAuthorizationHeader()
    {
        server.Enqueue(ScriptedReply.Json(WireFormats.OpenAiReply("ok", 1, 1)));
        var provider = new OpenAiChatProvider(client, "local-model", apiKey: null);

        await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 10), CancellationToken.None);

        Assert.That(server.Received[0].Header("Authorization"), Is.Null);
    }

    [TestCase(429, ProviderErrorKind.RateLimited, true)]
    [TestCase(500, ProviderErrorKind.ServerError, true)]
    [TestCase(503, ProviderErrorKind.ServerError, true)]
    [TestCase(529, ProviderErrorKind.ServerError, true)]
    [TestCase(408, ProviderErrorKind.Timeout, true)]
    [TestCase(401, ProviderErrorKind.ClientError, false)]
    [TestCase(400, ProviderErrorKind.ClientError, false)]
    public void CompleteAsync_ErrorStatus_ThrowsClassifiedProviderException(int status, ProviderErrorKind kind, bool transient)
    {
        server.Enqueue(ScriptedReply.Error(status, """{"error":{"message":"nope","type":"scripted"}}"""));
        var provider = new OpenAiChatProvider(client, "gpt-test", "sk-test-key");

        var ex = Assert.ThrowsAsync<ProviderException>(() => provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 10), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(kind));
            Assert.That(ex.IsTransient, Is.EqualTo(transient));
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.Provider, Is.EqualTo("openai"));
            Assert.That(ex.Message, Does.Contain($"HTTP {status}").And.Contain("nope"));
        });
    }

    [TestCase("this is { not json")]
    [TestCase("""{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}]}""")]
    [TestCase("""{"id":"x","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}""")]
    [TestCase("""{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":"many","completion_tokens":1}}""")]
    [TestCase("""{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":-5,"completion_tokens":1}}""")]
    public void CompleteAsync_MalformedOrIncompleteReply_ThrowsMalformedResponse(string body)
    {
        server.Enqueue(ScriptedReply.Json(body));
        var provider = new OpenAiChatProvider(client, "gpt-test", "sk-test-key");

        var ex = Assert.ThrowsAsync<ProviderException>(() => provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 10), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.MalformedResponse));
            Assert.That(ex.IsTransient, Is.True);
        });
    }

    [Test]
    public void CompleteAsync_ConnectionRefused_ThrowsNetwork()
    {
        // A port that was free a moment ago and that nobody listens on.
        using var closed = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Autopack.Testing.FreePort.Next()}/v1/") };
        var provider = new OpenAiChatProvider(closed, "gpt-test", "sk-test-key");

        var ex = Assert.ThrowsAsync<ProviderException>(() => provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 10), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.Network));
            Assert.That(ex.IsTransient, Is.True);
        });
    }

    [Test]
    public void CompleteAsync_CallerCancelsWhileServerIsSlow_ThrowsOperationCanceledNotProviderException()
    {
        server.Enqueue(new ScriptedReply(200, WireFormats.OpenAiReply("late", 1, 1), TimeSpan.FromSeconds(30)));
        var provider = new OpenAiChatProvider(client, "gpt-test", "sk-test-key");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(
            async () => await provider.CompleteAsync(LlmRequest.FromPrompts("builder", "s", "u", 10), cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
