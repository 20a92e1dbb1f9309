using Autopack.Llm.Providers;
using Autopack.Llm.Tests.Support;

namespace Autopack.Llm.Tests.Providers;

/// <summary>
/// What both wire formats must do alike, against the scripted server: usage and the served model read back, no
/// key sent when none is set, errors classified, malformed replies refused, a refused connection and a caller's
/// cancellation told apart. What differs (the request's shape, Anthropic's blocks and cache tokens) is in
/// <see cref="OpenAiChatProviderTests"/> and <see cref="AnthropicMessagesProviderTests"/>.
/// </summary>
[TestFixtureSource(typeof(WireFormat), nameof(WireFormat.All))]
public sealed class WireFormatProviderTests(WireFormat format)
{
    private ScriptedProviderServer server = null!;
    private HttpClient client = null!;

    [SetUp]
    public async Task StartServer()
    {
        server = await ScriptedProviderServer.StartAsync();
        client = format.CreateClient(server);
    }

    [TearDown]
    public async Task StopServer()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    private static LlmRequest Request(int maxOutputTokens = 10) => LlmRequest.FromPrompts("builder", "s", "u", maxOutputTokens);

    [Test]
    public async Task CompleteAsync_ValidReply_ReturnsTextUsageAndServedModel()
    {
        server.Enqueue(ScriptedReply.Json(format.TextReply("the answer", 1234, 56, model: "served-2026-01-01")));

        var response = await format.CreateProvider(client, "configured").CompleteAsync(Request(100), CancellationToken.None);

        Assert.That((response.Text, response.PromptTokens, response.CompletionTokens, response.Model), Is.EqualTo(("the answer", 1234L, 56L, "served-2026-01-01")));
    }

    [Test]
    public async Task CompleteAsync_NoApiKey_SendsNoAuthorizationHeader()
    {
        server.Enqueue(ScriptedReply.Json(format.TextReply("ok", 1, 1)));
        var provider = format == WireFormat.OpenAi
            ? (ILlmProvider)new OpenAiChatProvider(client, "local-model", apiKey: null)
            : new AnthropicMessagesProvider(client, "claude-test", apiKey: null);

        await provider.CompleteAsync(Request(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(server.Received[0].Header("Authorization"), Is.Null);
            Assert.That(server.Received[0].Header("x-api-key"), Is.Null);
        });
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
        server.Enqueue(ScriptedReply.Error(status, format.ErrorBody("nope")));

        var ex = Assert.ThrowsAsync<ProviderException>(() => format.CreateProvider(client).CompleteAsync(Request(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(kind));
            Assert.That(ex.IsTransient, Is.EqualTo(transient));
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.Provider, Is.EqualTo(format.Name));
            Assert.That(ex.Message, Does.Contain($"HTTP {status}").And.Contain("nope"));
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void CompleteAsync_MalformedOrIncompleteReply_ThrowsMalformedResponse(int reply)
    {
        server.Enqueue(ScriptedReply.Json(format.MalformedReplies[reply]));

        var ex = Assert.ThrowsAsync<ProviderException>(() => format.CreateProvider(client).CompleteAsync(Request(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.MalformedResponse), format.MalformedReplies[reply]);
            Assert.That(ex.IsTransient, Is.True);
        });
    }

    [Test]
    public void CompleteAsync_ConnectionRefused_ThrowsNetwork()
    {
        using var closed = format.CreateClosedClient();

        var ex = Assert.ThrowsAsync<ProviderException>(() => format.CreateProvider(closed).CompleteAsync(Request(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.Network));
            Assert.That(ex.IsTransient, Is.True);
        });
    }

    [Test]
    public void CompleteAsync_CallerCancelsWhileServerIsSlow_ThrowsOperationCanceledNotProviderException()
    {
        server.Enqueue(new ScriptedReply(200, format.TextReply("late", 1, 1), TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(
            async () => await format.CreateProvider(client).CompleteAsync(Request(), cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
