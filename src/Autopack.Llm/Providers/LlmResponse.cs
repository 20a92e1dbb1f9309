using Microsoft.Extensions.AI;

namespace Autopack.Llm.Providers;

/// <summary>A provider's reply (one assistant message, its text and tool calls) with the usage the provider reported.</summary>
/// <param name="Message">The assistant message, as it goes back into the conversation for the next turn.</param>
/// <param name="PromptTokens">Prompt tokens the provider reported for this call (Anthropic: cache reads and writes included).</param>
/// <param name="CompletionTokens">Completion tokens the provider reported for this call.</param>
/// <param name="Model">The model that served the call, as the provider named it.</param>
public sealed record LlmResponse(ChatMessage Message, long PromptTokens, long CompletionTokens, string Model)
{
    /// <summary>The assistant's text (its text parts joined); empty when it only called tools.</summary>
    public string Text => Message.Text;

    /// <summary>The tool calls the model asked for, in order; empty when none.</summary>
    public IReadOnlyList<FunctionCallContent> ToolCalls => Message.Contents.OfType<FunctionCallContent>().ToList();

    /// <summary>A reply that is only text.</summary>
    public static LlmResponse FromText(string text, long promptTokens, long completionTokens, string model) =>
        new(new ChatMessage(ChatRole.Assistant, text), promptTokens, completionTokens, model);
}
