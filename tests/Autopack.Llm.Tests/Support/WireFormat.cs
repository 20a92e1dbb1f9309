using Autopack.Llm.Providers;

namespace Autopack.Llm.Tests.Support;

/// <summary>
/// One provider's wire format against the scripted server: how its client is pointed at the server (as in
/// production), and its reply bodies.
/// </summary>
public sealed record WireFormat(string Name)
{
    public static readonly WireFormat OpenAi = new(OpenAiChatProvider.ProviderName);

    public static readonly WireFormat Anthropic = new(AnthropicMessagesProvider.ProviderName);

    public static IEnumerable<WireFormat> All => [OpenAi, Anthropic];

    public string ExpectedPath => this == OpenAi ? "/v1/chat/completions" : "/v1/messages";

    /// <summary>Replies the client must refuse as malformed: not JSON, no usage, or usage that is not a count.</summary>
    public IReadOnlyList<string> MalformedReplies => this == OpenAi
        ?
        [
            "this is { not json",
            """{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}]}""",
            """{"id":"x","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}""",
            """{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":"many","completion_tokens":1}}""",
            """{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":-5,"completion_tokens":1}}""",
        ]
        :
        [
            "<html>502 bad gateway</html>",
            """{"id":"m","content":[{"type":"text","text":"hi"}]}""",
            """{"id":"m","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":3}}""",
            """{"id":"m","content":"hi","usage":{"input_tokens":3,"output_tokens":1}}""",
            """{"id":"m","type":"message","role":"assistant","model":"c","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":-3,"output_tokens":1}}""",
        ];

    /// <summary>The client as production builds it: OpenAI's base ends in /v1, Anthropic's has no path.</summary>
    public HttpClient CreateClient(ScriptedProviderServer server) => new()
    {
        BaseAddress = LlmServiceCollectionExtensions.WithTrailingSlash(
            this == OpenAi ? new Uri(server.BaseAddress, "v1").ToString() : server.BaseAddress.ToString().TrimEnd('/')),
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>A client pointed at a port that was free a moment ago and that nobody listens on.</summary>
    public HttpClient CreateClosedClient() => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{Autopack.Testing.FreePort.Next()}/{(this == OpenAi ? "v1/" : string.Empty)}"),
    };

    public ILlmProvider CreateProvider(HttpClient client, string model = "configured-model") => this == OpenAi
        ? new OpenAiChatProvider(client, model, "test-key")
        : new AnthropicMessagesProvider(client, model, "test-key");

    public string TextReply(string text, long prompt, long completion, string? model = null) => this == OpenAi
        ? WireFormats.OpenAiReply(text, prompt, completion, model ?? "gpt-test-served")
        : WireFormats.AnthropicReply(text, prompt, completion, model ?? "claude-test-served");

    public string ToolCallReply(string callId, string name, string argumentsJson, long prompt, long completion) => this == OpenAi
        ? WireFormats.OpenAiToolCallReply(callId, name, argumentsJson, prompt, completion)
        : WireFormats.AnthropicToolUseReply(callId, name, argumentsJson, prompt, completion);

    /// <summary>An error body as the API sends it with a 4xx or 5xx.</summary>
    public string ErrorBody(string message) => this == OpenAi
        ? $$$"""{"error":{"message":"{{{message}}}","type":"scripted"}}"""
        : $$$"""{"type":"error","error":{"type":"overloaded_error","message":"{{{message}}}"}}""";

    public override string ToString() => Name;
}
