using System.Text;
using Microsoft.ML.Tokenizers;

namespace Autopack.Llm.Tokens;

/// <summary>
/// How a model counts the tokens of a text. Real providers are counted with tiktoken's o200k_base
/// (<see cref="O200k"/>, ADR-005); the offline scripted model counts with a rule of its own
/// (<see cref="OfflineModel"/>), so a process that only ever calls it never loads the tokenizer's vocabulary (ADR-034).
/// </summary>
public abstract class TokenScheme
{
    /// <summary>tiktoken o200k_base, the GPT-4o family's, loaded once per process when first used.</summary>
    public static TokenScheme O200k { get; } = new O200kScheme();

    /// <summary>The offline model's own count: one token per four bytes of UTF-8, rounded up.</summary>
    public static TokenScheme OfflineModel { get; } = new BytesPerTokenScheme(4);

    /// <summary>Tokens of <paramref name="text"/> (not empty), in time linear in its length, stopping on the token.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public abstract int Count(string text, CancellationToken cancellationToken);

    private sealed class O200kScheme : TokenScheme
    {
        // Parsing the vocabulary costs a cold process 350-500 ms (200,000 entries into three dictionaries), so it is
        // done once, and only by a process that counts for a real provider.
        private static readonly Lazy<Tokenizer> Shared = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

        public override int Count(string text, CancellationToken cancellationToken)
        {
            // The tokenizer alone costs the square of the longest run without whitespace (77 s for 0.3 MB): count in
            // pieces it handles in linear time, and stop between them when asked (ADR-021).
            var total = 0;
            foreach (var (start, length) in LinearPieces.Of(text))
            {
                cancellationToken.ThrowIfCancellationRequested();
                total += Shared.Value.CountTokens(text.AsSpan(start, length));
            }

            return total;
        }

        public static void WarmUp() => _ = Task.Run(() => Shared.Value);
    }

    private sealed class BytesPerTokenScheme(int bytesPerToken) : TokenScheme
    {
        public override int Count(string text, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (Encoding.UTF8.GetByteCount(text) + bytesPerToken - 1) / bytesPerToken;
        }
    }

    /// <summary>
    /// Loads o200k_base's vocabulary on the thread pool now, so a process that will count for a real provider soon
    /// (an executor whose run names one, taking its lease and opening its worktree) overlaps it with that work.
    /// </summary>
    public static void WarmUpO200k() => O200kScheme.WarmUp();
}
