using System.Text.Json;
using Autopack.Llm.Providers;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Tokens;

/// <summary>
/// Counts the tokens of prompts, conversations and tool calls as a chat request: each text by a
/// <see cref="TokenScheme"/> (for real providers tiktoken o200k_base, the GPT-4o family's, shipped in a package so no
/// download is needed; the offline model its own rule), plus the chat framing overhead added here. Other
/// providers' tokenizers differ a little; the budget absorbs that (see TokenBudget.Settle).
/// </summary>
public sealed class PromptTokenCounter(TokenScheme scheme)
{
    /// <summary>Tokens a chat message costs beyond its text (role and separators), per OpenAI's published accounting.</summary>
    public const int PerMessageOverhead = 4;

    /// <summary>Tokens that prime the reply.</summary>
    public const int ReplyPriming = 3;

    /// <summary>Tokens a tool call or a tool result costs beyond its name, id and JSON (its framing), an estimate.</summary>
    public const int PerToolCallOverhead = 4;

    /// <summary>Tokens a tool definition costs beyond its name, description and schema (its framing), an estimate.</summary>
    public const int PerToolDefinitionOverhead = 8;

    /// <summary>Counts with o200k_base, as for the real providers.</summary>
    public PromptTokenCounter()
        : this(TokenScheme.O200k)
    {
    }

    /// <summary>The counter of the real providers (o200k_base).</summary>
    public static PromptTokenCounter O200k { get; } = new(TokenScheme.O200k);

    /// <summary>The counter of the offline scripted model (its own rule; no vocabulary to load).</summary>
    public static PromptTokenCounter OfflineModel { get; } = new(TokenScheme.OfflineModel);

    /// <summary>Tokens of a text, in time linear in its length and cancellable (see <see cref="TokenScheme"/>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int Count(string? text, CancellationToken cancellationToken = default) =>
        string.IsNullOrEmpty(text) ? 0 : scheme.Count(text, cancellationToken);

    /// <summary>Tokens of a system + user prompt as a chat request.</summary>
    public int CountPrompt(string systemPrompt, string userPrompt) =>
        Count(systemPrompt) + Count(userPrompt) + (2 * PerMessageOverhead) + ReplyPriming;

    /// <summary>Tokens of a whole request: its conversation and its tool definitions (see <see cref="CountConversation"/>).</summary>
    public int CountRequest(LlmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CountConversation(request.Messages, request.Tools, cancellationToken);
    }

    /// <summary>
    /// Tokens of a conversation as a chat request: every message's text, tool calls (name, id, JSON arguments) and
    /// tool results (id, result), each message with its framing, plus the tool definitions (name, description,
    /// schema JSON) and the reply priming. A system + user conversation without tools counts as <see cref="CountPrompt"/>.
    /// </summary>
    public int CountConversation(IEnumerable<ChatMessage> messages, IEnumerable<LlmTool> tools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(tools);
        var total = ReplyPriming;
        foreach (var message in messages)
        {
            total += PerMessageOverhead + message.Contents.Sum(c => CountContent(c, cancellationToken));
        }

        foreach (var tool in tools)
        {
            total += PerToolDefinitionOverhead + Count(tool.Name, cancellationToken) + Count(tool.Description, cancellationToken) + Count(tool.ParametersSchema.GetRawText(), cancellationToken);
        }

        return total;
    }

    /// <summary>A tool call as the model writes it: its name and JSON arguments.</summary>
    public int CountToolCall(FunctionCallContent call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return PerToolCallOverhead + Count(call.CallId, cancellationToken) + Count(call.Name, cancellationToken) + Count(ArgumentsJson(call), cancellationToken);
    }

    /// <summary>The arguments as JSON (Microsoft.Extensions.AI's default form: indented, so never fewer tokens than the wire's compact form).</summary>
    private static string ArgumentsJson(FunctionCallContent call) => ToolArgumentsJson.ToJson(call.Arguments);

    private int CountContent(AIContent content, CancellationToken cancellationToken) => content switch
    {
        TextContent text => Count(text.Text, cancellationToken),
        FunctionCallContent call => CountToolCall(call, cancellationToken),
        FunctionResultContent result => PerToolCallOverhead + Count(result.CallId, cancellationToken) + Count(ResultText(result.Result), cancellationToken),
        _ => 0,
    };

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string text => text,
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };
}
