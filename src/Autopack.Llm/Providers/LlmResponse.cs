using Microsoft.Extensions.AI;

namespace Autopack.Llm.Providers;

/// <summary>A provider's reply (one assistant message, its text and tool calls) with the usage the provider reported.</summary>
/// <param name="Message">The assistant message, as it goes back into the conversation for the next turn.</param>
/// <param name="PromptTokens">Prompt tokens the provider reported for this call (Anthropic: cache reads and writes included).</param>
/// <param name="CompletionTokens">Completion tokens the provider reported for this call.</param>
/// <param name="Model">The model that served the call, as the provider named it.</param>
public sealed record LlmResponse(ChatMessage Message, long PromptTokens, long CompletionTokens, string Model)
{
    /// <summary>
    /// The most characters of a reply's text that are kept (ADR-021): 16 characters for each of 4,096 output tokens,
    /// more than any real reply; the rest is cut with a note saying so.
    /// </summary>
    public const int MaxTextChars = 65_536;

    /// <summary>The assistant's text (its text parts joined); empty when it only called tools.</summary>
    public string Text => Message.Text;

    /// <summary>The tool calls the model asked for, in order; empty when none.</summary>
    public IReadOnlyList<FunctionCallContent> ToolCalls => Message.Contents.OfType<FunctionCallContent>().ToList();

    /// <summary>True when <see cref="WithTextCut"/> cut the text.</summary>
    public bool TextCut { get; init; }

    /// <summary>A reply that is only text.</summary>
    public static LlmResponse FromText(string text, long promptTokens, long completionTokens, string model) =>
        new(new ChatMessage(ChatRole.Assistant, text), promptTokens, completionTokens, model);

    /// <summary>
    /// This reply with its text cut by <see cref="CutText"/>; tool calls are kept as they are. The same reply when
    /// its text is within <see cref="MaxTextChars"/>.
    /// </summary>
    public LlmResponse WithTextCut()
    {
        var texts = Message.Contents.OfType<TextContent>().ToList();
        if (texts.Sum(t => (long)(t.Text?.Length ?? 0)) <= MaxTextChars)
        {
            return this;
        }

        List<AIContent> kept = [new TextContent(CutText(Message.Text))];
        kept.AddRange(Message.Contents.Where(c => c is not TextContent));
        return this with { Message = new ChatMessage(Message.Role, kept) { MessageId = Message.MessageId }, TextCut = true };
    }

    /// <summary>
    /// A model's text cut to <see cref="MaxTextChars"/> characters with a note
    /// (<c>[reply cut by Autopack: 65536 of N characters kept]</c>), or the text itself when it is within the limit.
    /// </summary>
    public static string CutText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= MaxTextChars)
        {
            return text;
        }

        var take = char.IsHighSurrogate(text[MaxTextChars - 1]) ? MaxTextChars - 1 : MaxTextChars;
        return string.Concat(text.AsSpan(0, take), $"\n[reply cut by Autopack: {take} of {text.Length} characters kept]");
    }
}
