using Autopack.Llm.Tokens;

namespace Autopack.Llm.Tests.Tokens;

public sealed class PromptTokenCounterTests
{
    private readonly PromptTokenCounter counter = new();

    [TestCase("hello world", 2)]
    [TestCase("Hello, world!", 4)]
    [TestCase("", 0)]
    public void Count_KnownText_MatchesO200kBase(string text, int expected) =>
        Assert.That(counter.Count(text), Is.EqualTo(expected));

    [Test]
    public void Count_LongEnglishText_IsRoughlyFourCharactersPerToken()
    {
        var text = string.Concat(Enumerable.Repeat("The executor reserves the worst case of each call against the phase and the run. ", 50));

        var tokens = counter.Count(text);

        Assert.That(tokens, Is.InRange(text.Length / 6, text.Length / 3));
    }

    [Test]
    public void CountPrompt_SystemAndUser_AddsTwoMessagesOfFramingAndTheReplyPriming()
    {
        var framing = (2 * PromptTokenCounter.PerMessageOverhead) + PromptTokenCounter.ReplyPriming;

        Assert.Multiple(() =>
        {
            Assert.That(framing, Is.EqualTo(11));
            Assert.That(counter.CountPrompt("hello world", "hello world"), Is.EqualTo(2 + 2 + framing));
            Assert.That(counter.CountPrompt("", ""), Is.EqualTo(framing));
        });
    }
}
