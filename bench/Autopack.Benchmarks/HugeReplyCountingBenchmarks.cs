using Autopack.Llm.Tokens;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.Tokenizers;

namespace Autopack.Benchmarks;

/// <summary>
/// Counting an auditor prompt that holds a builder reply without whitespace (issue 13, item 2): the tokenizer alone,
/// as the counter was, against <see cref="PromptTokenCounter.Count"/> now. The tokenizer alone is not run at 3 MB
/// (its cost grows with the square of the run: hours).
/// </summary>
public class HugeReplyCountingBenchmarks
{
    private static readonly Tokenizer Tokenizer = TiktokenTokenizer.CreateForModel("gpt-4o");
    private readonly PromptTokenCounter counter = new();
    private string reply = "";

    [Params(100_000, 300_000, 3_000_000)]
    public int Chars { get; set; }

    [GlobalSetup]
    public void Setup() => reply = "Builder's summary:\n" + new string('x', Chars);

    [Benchmark(Baseline = true, Description = "tokenizer alone (before)")]
    public int TokenizerAlone() => Chars > 300_000 ? 0 : Tokenizer.CountTokens(reply);

    [Benchmark(Description = "PromptTokenCounter.Count (after)")]
    public int Counter() => counter.Count(reply);
}
