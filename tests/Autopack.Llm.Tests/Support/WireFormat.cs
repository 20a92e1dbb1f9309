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

    /// <summary>The client as production builds it: OpenAI's base ends in /v1, Anthropic's has no path.</summary>
    public HttpClient CreateClient(ScriptedProviderServer server) => new()
    {
        BaseAddress = LlmServiceCollectionExtensions.WithTrailingSlash(
            this == OpenAi ? new Uri(server.BaseAddress, "v1").ToString() : server.BaseAddress.ToString().TrimEnd('/')),
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public ILlmProvider CreateProvider(HttpClient client, string model = "configured-model") => this == OpenAi
        ? new OpenAiChatProvider(client, model, "test-key")
        : new AnthropicMessagesProvider(client, model, "test-key");

    public string TextReply(string text, long prompt, long completion) => this == OpenAi
        ? WireFormats.OpenAiReply(text, prompt, completion)
        : WireFormats.AnthropicReply(text, prompt, completion);

    public string ToolCallReply(string callId, string name, string argumentsJson, long prompt, long completion) => this == OpenAi
        ? WireFormats.OpenAiToolCallReply(callId, name, argumentsJson, prompt, completion)
        : WireFormats.AnthropicToolUseReply(callId, name, argumentsJson, prompt, completion);

    public override string ToString() => Name;
}
