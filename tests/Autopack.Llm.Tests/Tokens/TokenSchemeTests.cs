using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Llm.Tests.Tokens;

public sealed class TokenSchemeTests
{
    [TestCase("a", 1)]
    [TestCase("abcd", 1)]
    [TestCase("abcde", 2)]
    [TestCase("hello world!", 3)]
    [TestCase("ééé", 2)]
    [TestCase("日本語", 3)]
    public void OfflineModel_Text_OneTokenPerFourUtf8BytesRoundedUp(string text, int expected) =>
        Assert.That(TokenScheme.OfflineModel.Count(text, CancellationToken.None), Is.EqualTo(expected));

    [Test]
    public void OfflineModel_CancelledToken_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => TokenScheme.OfflineModel.Count("some text", cancelled.Token));
    }

    [Test]
    public void OfflineModel_ThreeMegabytesWithoutWhitespace_CountedAtOnce() =>
        Assert.That(PromptTokenCounter.OfflineModel.Count(new string('x', 3_000_000)), Is.EqualTo(750_000));

    [Test]
    public void AddAutopackLlm_Providers_OfflineCountsWithItsOwnRuleAndTheRealOnesWithO200k()
    {
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).AddAutopackLlm(new LlmSettings()).BuildServiceProvider();
        var catalog = services.GetRequiredService<ProviderCatalog>();

        Assert.Multiple(() =>
        {
            Assert.That(catalog.Get(OfflineProvider.ProviderName).Counter, Is.SameAs(PromptTokenCounter.OfflineModel));
            Assert.That(catalog.Get(OpenAiChatProvider.ProviderName).Counter, Is.SameAs(PromptTokenCounter.O200k));
            Assert.That(catalog.Get(AnthropicMessagesProvider.ProviderName).Counter, Is.SameAs(PromptTokenCounter.O200k));
        });
    }

    [Test]
    public void O200k_AndOfflineModel_CountTheSameTextDifferently()
    {
        const string text = "The executor reserves the worst case of each call against the phase and the run.";

        Assert.That(PromptTokenCounter.O200k.Count(text), Is.EqualTo(16).And.Not.EqualTo(PromptTokenCounter.OfflineModel.Count(text)));
    }
}
