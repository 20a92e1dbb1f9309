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
public sealed class WireFormatProviderTests(WireFormat format) : WireFormatFixture(format)
{
    private static LlmRequest Request(int maxOutputTokens = 10) => LlmRequest.FromPrompts("builder", "s", "u", maxOutputTokens);

    [Test]
    public async Task CompleteAsync_ValidReply_ReturnsTextUsageAndServedModel()
    {
        Server.Enqueue(ScriptedReply.Json(Format.TextReply("the answer", 1234, 56, model: "served-2026-01-01")));

        var response = await Format.CreateProvider(Client, "configured").CompleteAsync(Request(100), CancellationToken.None);

        Assert.That((response.Text, response.PromptTokens, response.CompletionTokens, response.Model), Is.EqualTo(("the answer", 1234L, 56L, "served-2026-01-01")));
    }

    [Test]
    public async Task CompleteAsync_NoApiKey_SendsNoAuthorizationHeader()
    {
        Server.Enqueue(ScriptedReply.Json(Format.TextReply("ok", 1, 1)));
        var provider = Format == WireFormat.OpenAi
            ? (ILlmProvider)new OpenAiChatProvider(Client, "local-model", apiKey: null)
            : new AnthropicMessagesProvider(Client, "claude-test", apiKey: null);

        await provider.CompleteAsync(Request(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(Server.Received[0].Header("Authorization"), Is.Null);
            Assert.That(Server.Received[0].Header("x-api-key"), Is.Null);
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
        Server.Enqueue(ScriptedReply.Error(status, Format.ErrorBody("nope")));

        var ex = Assert.ThrowsAsync<ProviderException>(() => Format.CreateProvider(Client).CompleteAsync(Request(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(kind));
            Assert.That(ex.IsTransient, Is.EqualTo(transient));
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.Provider, Is.EqualTo(Format.Name));
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
        Server.Enqueue(ScriptedReply.Json(Format.MalformedReplies[reply]));

        var ex = Assert.ThrowsAsync<ProviderException>(() => Format.CreateProvider(Client).CompleteAsync(Request(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.MalformedResponse), Format.MalformedReplies[reply]);
            Assert.That(ex.IsTransient, Is.True);
        });
    }

    [Test]
    public void CompleteAsync_ConnectionRefused_ThrowsNetwork()
    {
        using var closed = Format.CreateClosedClient();

        var ex = Assert.ThrowsAsync<ProviderException>(() => Format.CreateProvider(closed).CompleteAsync(Request(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.Network));
            Assert.That(ex.IsTransient, Is.True);
        });
    }

    [Test]
    public void CompleteAsync_CallerCancelsWhileServerIsSlow_ThrowsOperationCanceledNotProviderException()
    {
        Server.Enqueue(new ScriptedReply(200, Format.TextReply("late", 1, 1), TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(
            async () => await Format.CreateProvider(Client).CompleteAsync(Request(), cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
