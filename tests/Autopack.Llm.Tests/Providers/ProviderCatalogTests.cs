using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;

namespace Autopack.Llm.Tests.Providers;

public sealed class ProviderCatalogTests
{
    [Test]
    public void Get_OneName_BuildsOnlyThatProviderAndOnlyOnce()
    {
        var built = new List<string>();
        var catalog = new ProviderCatalog(new Dictionary<string, Func<ILlmProvider>>
        {
            ["offline"] = () => Built("offline"),
            ["openai"] = () => Built("openai"),
        });

        var first = catalog.Get("offline");
        var second = catalog.Get("offline");

        Assert.That((built, first), Is.EqualTo((new List<string> { "offline" }, second)));

        ILlmProvider Built(string name)
        {
            built.Add(name);
            return new OfflineProvider(PromptTokenCounter.OfflineModel, TimeSpan.Zero, TimeProvider.System);
        }
    }

    [Test]
    public void Get_ARegisteredProvider_TakesItsNamesPlaceAndTheDefaultIsNeverBuilt()
    {
        var registered = new OfflineProvider(PromptTokenCounter.O200k, TimeSpan.Zero, TimeProvider.System);
        var catalog = new ProviderCatalog([registered], new Dictionary<string, Func<ILlmProvider>>
        {
            ["offline"] = () => throw new AssertionException("the default was built"),
        });

        Assert.That(catalog.Get("offline"), Is.SameAs(registered));
    }

    [Test]
    public void Get_UnknownName_ThrowsNamingIt() =>
        Assert.That(() => new ProviderCatalog([]).Get("nope"), Throws.ArgumentException.With.Message.Contains("nope"));
}
