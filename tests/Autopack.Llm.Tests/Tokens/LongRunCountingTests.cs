using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Microsoft.ML.Tokenizers;

namespace Autopack.Llm.Tests.Tokens;

/// <summary>
/// Text without whitespace (issue 13, item 2): the tokenizer's byte-pair merge costs the square of a pre-token's
/// length, so a 0.3 MB run took 77 s. The counter cuts long runs into pieces the tokenizer merges cheaply, stays
/// within a few tokens of the exact count, and stops when its caller cancels.
/// </summary>
public sealed class LongRunCountingTests
{
    private static readonly Tokenizer Exact = TiktokenTokenizer.CreateForModel("gpt-4o");
    private readonly PromptTokenCounter counter = new();

    [TestCase('a', 20_000)]
    [TestCase('!', 20_000)]
    [TestCase(' ', 20_000)]
    public void Count_LongRunOfOneCharacter_WithinOnePercentOfTheExactCount(char c, int length)
    {
        var text = "Summary: " + new string(c, length) + " done.";

        var exact = Exact.CountTokens(text);

        Assert.That(counter.Count(text), Is.InRange(exact * 0.99, (exact * 1.01) + 2));
    }

    [Test]
    public void Count_LongMixedRunWithoutWhitespace_WithinOnePercentOfTheExactCount()
    {
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + (i * 7919 % 26))));

        var exact = Exact.CountTokens(text);

        Assert.That(counter.Count(text), Is.InRange(exact * 0.99, exact * 1.01));
    }

    [Test]
    public void Count_OrdinaryText_IsTheTokenizersExactCount()
    {
        var text = string.Concat(Enumerable.Repeat("The executor reserves the worst case of each call against the phase and the run.\n", 2_000));

        Assert.That(counter.Count(text), Is.EqualTo(Exact.CountTokens(text)));
    }

    [Test]
    public void Count_SurrogatePairsInALongRun_NeverSplitsAPair()
    {
        var text = string.Concat(Enumerable.Repeat("\U0001F600", 5_000));

        var exact = Exact.CountTokens(text);

        Assert.That(counter.Count(text), Is.InRange(exact * 0.99, exact * 1.01));
    }

    [Test]
    public void CountRequest_CancelledWhileCountingMegabytes_ThrowsOperationCanceled()
    {
        var request = LlmRequest.FromPrompts("auditor", "Review.", new string('x', 3_000_000), 100);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.That(() => counter.CountRequest(request, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }
}
