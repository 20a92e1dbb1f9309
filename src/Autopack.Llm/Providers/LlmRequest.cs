using Microsoft.Extensions.AI;

namespace Autopack.Llm.Providers;

/// <summary>
/// One call to a provider: the conversation so far (system, user, assistant turns with their tool calls, and
/// tool results) and the tools the model may ask for. The agent loop runs the tools itself, so a call returns
/// the tool calls the model asked for instead of running them.
/// </summary>
/// <param name="Role">Who is asking (<c>builder</c>, <c>auditor</c>); recorded on the usage row.</param>
/// <param name="Messages">The conversation, oldest first.</param>
/// <param name="MaxOutputTokens">The reply's token limit (the budget may have shrunk it).</param>
public sealed record LlmRequest(string Role, IReadOnlyList<ChatMessage> Messages, int MaxOutputTokens)
{
    /// <summary>Tools the model may call (native tool calling); empty for a plain chat call.</summary>
    public IReadOnlyList<LlmTool> Tools { get; init; } = [];

    /// <summary>Overrides the provider's configured model for this call (plans list models per attempt).</summary>
    public string? Model { get; init; }

    /// <summary>The offline provider's script for this call; other providers ignore it.</summary>
    public OfflineScript? Offline { get; init; }

    /// <summary>
    /// The one-shot shape: a system and a user message, no tools. <paramref name="offlineReject"/> tells the
    /// offline provider's auditor to reject this attempt (plans set <c>offline_rejections</c> to rehearse retries).
    /// </summary>
    public static LlmRequest FromPrompts(string role, string systemPrompt, string userPrompt, int maxOutputTokens, bool offlineReject = false) =>
        new(role, [new ChatMessage(ChatRole.System, systemPrompt), new ChatMessage(ChatRole.User, userPrompt)], maxOutputTokens)
        {
            Offline = offlineReject ? new OfflineScript(RejectAudit: true, Edits: []) : null,
        };
}
