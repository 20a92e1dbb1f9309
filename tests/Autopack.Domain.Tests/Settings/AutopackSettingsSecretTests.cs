using System.Reflection;
using Autopack.Domain.Settings;

namespace Autopack.Domain.Tests.Settings;

public class AutopackSettingsSecretTests
{
    [Test]
    public void ToString_WithKeys_ShowsOnlyThatTheyAreSet()
    {
        var settings = new AutopackSettings { ApiKey = "operator-key-1234", OpenAiApiKey = "sk-openai-5678", AnthropicApiKey = "sk-ant-9012", Port = 8123 };

        var text = settings.ToString();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("operator-key-1234").And.Not.Contain("sk-openai-5678").And.Not.Contain("sk-ant-9012"));
            Assert.That(text, Does.Contain("OpenAiApiKey = (set)").And.Contain("Port = 8123"), "other settings are still shown");
            Assert.That(new AutopackSettings().ToString(), Does.Contain("AnthropicApiKey = (unset)"));
        });
    }

    [Test]
    public void Properties_HoldingAKey_AreMarkedSecret()
    {
        var unmarked = typeof(AutopackSettings).GetProperties()
            .Where(p => p.Name.EndsWith("Key", StringComparison.Ordinal) && !p.IsDefined(typeof(SecretAttribute)))
            .Select(p => p.Name);

        Assert.That(unmarked, Is.Empty, "a setting named ...Key holds a credential: mark it [Secret]");
    }
}
