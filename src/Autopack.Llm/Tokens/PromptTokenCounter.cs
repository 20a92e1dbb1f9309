using Microsoft.ML.Tokenizers;

namespace Autopack.Llm.Tokens;

/// <summary>
/// Counts tokens with a real tokenizer (tiktoken o200k_base, the GPT-4o family's, shipped in a package so no
/// download is needed). Other providers' tokenizers differ a little; the budget absorbs that (see
/// TokenBudget.Settle) and the chat framing overhead is added here.
/// </summary>
public sealed class PromptTokenCounter
{
    /// <summary>Tokens a chat message costs beyond its text (role and separators), per OpenAI's published accounting.</summary>
    public const int PerMessageOverhead = 4;

    /// <summary>Tokens that prime the reply.</summary>
    public const int ReplyPriming = 3;

    private static readonly Lazy<Tokenizer> SharedTokenizer = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    public int Count(string text) => string.IsNullOrEmpty(text) ? 0 : SharedTokenizer.Value.CountTokens(text);

    /// <summary>Tokens of a system + user prompt as a chat request.</summary>
    public int CountPrompt(string systemPrompt, string userPrompt) =>
        Count(systemPrompt) + Count(userPrompt) + (2 * PerMessageOverhead) + ReplyPriming;
}
