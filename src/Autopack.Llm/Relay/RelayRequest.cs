using System.Text.Json;
using System.Text.Json.Nodes;
using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Relay;

/// <summary>
/// An agent's request to the metered endpoint, read for what the budget needs: the conversation and tool definitions
/// (counted like the built-in builder's, by the provider's <see cref="PromptTokenCounter"/>), the max output it asked
/// for, whether it streams; and its body, rewritten once by <see cref="ForUpstream"/> with the attempt's model and the
/// output the budget granted. Parsed by <see cref="ChatCompletionsWire"/> or <see cref="MessagesWire"/>.
/// </summary>
public sealed class RelayRequest
{
    /// <summary>
    /// What an image, audio clip or file part is counted at (its bytes say little: a 1,568-pixel image costs Anthropic
    /// about 1,600 tokens, OpenAI at most about 1,100 at high detail). A provider that bills more is charged no more
    /// than the reservation, and the excess is recorded as a <c>budget_overrun</c> event.
    /// </summary>
    public const int AttachmentTokens = 1_600;

    private readonly JsonObject body;
    private readonly Action<JsonObject, string, int> grant;

    internal RelayRequest(
        WireApi api,
        JsonObject body,
        bool stream,
        int? requestedMaxOutputTokens,
        IReadOnlyList<ChatMessage> messages,
        IReadOnlyList<LlmTool> tools,
        int attachments,
        string extraText,
        bool agentAskedStreamUsage,
        Action<JsonObject, string, int> grant)
    {
        Api = api;
        this.body = body;
        Stream = stream;
        RequestedMaxOutputTokens = requestedMaxOutputTokens;
        Messages = messages;
        Tools = tools;
        Attachments = attachments;
        ExtraText = extraText;
        AgentAskedStreamUsage = agentAskedStreamUsage;
        this.grant = grant;
    }

    public WireApi Api { get; }

    /// <summary>The agent asked for a stream of events.</summary>
    public bool Stream { get; }

    /// <summary>The max output tokens the agent asked for, or null when it left them to the provider (chat completions only).</summary>
    public int? RequestedMaxOutputTokens { get; }

    /// <summary>The conversation, as Microsoft.Extensions.AI messages (text, tool calls, tool results), for counting.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>The tool definitions the model is offered.</summary>
    public IReadOnlyList<LlmTool> Tools { get; }

    /// <summary>Images, audio and files in the conversation, each counted at <see cref="AttachmentTokens"/>.</summary>
    public int Attachments { get; }

    /// <summary>Prompt text outside messages and tools (a response format's schema), counted as text.</summary>
    public string ExtraText { get; }

    /// <summary>Chat completions: the agent asked for the usage chunk itself (<c>stream_options.include_usage</c>).</summary>
    public bool AgentAskedStreamUsage { get; }

    /// <summary>
    /// The prompt's tokens as <paramref name="counter"/> counts a request (<see cref="PromptTokenCounter.CountConversation"/>),
    /// plus the attachments and the extra text. In time linear in the request's size; stops on the token.
    /// </summary>
    public long CountPromptTokens(PromptTokenCounter counter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counter);
        return counter.CountConversation(Messages, Tools, cancellationToken)
            + ((long)Attachments * AttachmentTokens)
            + counter.Count(ExtraText, cancellationToken);
    }

    /// <summary>
    /// The body to send the provider: the agent's, with <paramref name="model"/> as its model, its max output set to
    /// <paramref name="maxOutputTokens"/> (what the budget granted), and, for a chat-completions stream, the usage
    /// asked for in the stream. Rewrites this request's body: call once.
    /// </summary>
    public byte[] ForUpstream(string model, int maxOutputTokens)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        grant(body, model, maxOutputTokens);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
