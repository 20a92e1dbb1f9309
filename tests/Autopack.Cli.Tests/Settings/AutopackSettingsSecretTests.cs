using System.Reflection;
using Autopack.Api.Hosting;
using Autopack.Domain.Budgets;
using Autopack.Domain.Settings;
using Autopack.Executor;
using Autopack.Llm;
using Autopack.Storage;

namespace Autopack.Cli.Tests.Settings;

public class AutopackSettingsSecretTests
{
    private static readonly Type[] SettingsTypes =
        [typeof(AutopackSettings), typeof(ExecutorSettings), typeof(ApiSettings), typeof(LlmSettings), typeof(StorageSettings), typeof(BudgetSettings)];

    [Test]
    public void ToString_WithKeys_ShowsOnlyThatTheyAreSet()
    {
        var settings = new AutopackSettings(
            new ExecutorSettings { Llm = new LlmSettings { OpenAiApiKey = "sk-openai-5678", AnthropicApiKey = "sk-ant-9012" } },
            new ApiSettings { ApiKey = "operator-key-1234", Port = 8123 });

        var text = settings.ToString();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("operator-key-1234").And.Not.Contain("sk-openai-5678").And.Not.Contain("sk-ant-9012"));
            Assert.That(text, Does.Contain("OpenAiApiKey = (set)").And.Contain("Port = 8123"), "other settings are still shown");
            Assert.That(new AutopackSettings(new ExecutorSettings(), new ApiSettings()).ToString(), Does.Contain("AnthropicApiKey = (unset)"));
        });
    }

    [Test]
    public void Properties_HoldingAKey_AreMarkedSecret()
    {
        var keys = SettingsTypes.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => p.Name.EndsWith("Key", StringComparison.Ordinal))
            .ToList();

        Assert.That(keys.Select(p => p.Name), Is.EquivalentTo(new[] { "ApiKey", "OpenAiApiKey", "AnthropicApiKey" }), "the settings' keys as the SPEC lists them");
        Assert.That(keys.Where(p => !p.IsDefined(typeof(SecretAttribute))).Select(p => p.Name), Is.Empty, "a setting named ...Key holds a credential: mark it [Secret]");
    }
}
