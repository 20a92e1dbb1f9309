using Autopack.Api.Hosting;
using Autopack.Domain.Settings;

namespace Autopack.Cli.Tests.Settings;

public class AutopackSettingsTests
{
    private static AutopackSettings Load(params (string Name, string Value)[] values) =>
        Load(null, values);

    private static AutopackSettings Load(IReadOnlyDictionary<string, string?>? section, params (string Name, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return AutopackSettings.Load(new SettingsReader(name => map.GetValueOrDefault(name), name => name == "phase_token_cap_multipliers" ? section : null));
    }

    [Test]
    public void Load_NothingSet_GivesSpecDefaults()
    {
        var settings = Load();

        Assert.Multiple(() =>
        {
            Assert.That(settings.Api.BindAddress, Is.EqualTo("127.0.0.1"));
            Assert.That(settings.Api.Port, Is.EqualTo(8000));
            Assert.That(settings.Api.AllowNonLocal, Is.False);
            Assert.That(settings.Api.ApiKey, Is.Null);
            Assert.That(settings.Executor.Budget.RunTokenCap, Is.EqualTo(5_000_000));
            Assert.That(settings.Executor.Budget.PhaseTokenCap, Is.EqualTo(500_000));
            Assert.That(settings.Executor.Storage.DatabasePath, Is.EqualTo("autopack.db"));
            Assert.That(settings.Executor.Storage.RunsDirectory, Is.EqualTo(".autonomous_runs"));
            Assert.That(settings.Executor.Llm.OpenAiBaseUrl, Is.EqualTo("https://api.openai.com/v1"));
            Assert.That(settings.Executor.Llm.OpenAiModel, Is.EqualTo("gpt-4o-mini"));
            Assert.That(settings.Executor.Llm.AnthropicBaseUrl, Is.EqualTo("https://api.anthropic.com"));
            Assert.That(settings.Executor.Llm.OfflineLatencyMs, Is.Zero);
            Assert.That(settings.Api.LogPath, Is.EqualTo(Path.Combine(".autonomous_runs", "autopack.jsonl")));
            Assert.That(
                settings.Executor.Budget.PhaseTokenMultipliers,
                Is.EquivalentTo(new Dictionary<string, double> { ["research"] = 1.5, ["implementation"] = 1.0, ["verification"] = 0.5, ["audit"] = 0.3 }));
            Assert.That(settings.Api.BindIsLoopback, Is.True);
        });
    }

    [Test]
    public void Load_EverySpecVariableSet_ReadsThem()
    {
        var settings = Load(
            ("AUTOPACK_BIND_ADDRESS", "192.168.1.100"),
            ("AUTOPACK_PORT", "9001"),
            ("AUTOPACK_ALLOW_NON_LOCAL", "1"),
            ("AUTOPACK_API_KEY", "s3cret"),
            ("AUTOPACK_RUN_TOKEN_CAP", "10000000"),
            ("AUTOPACK_PHASE_TOKEN_CAP", "250000"),
            ("AUTOPACK_DB", "/data/a.db"),
            ("AUTOPACK_RUNS_DIR", "/data/runs"),
            ("AUTOPACK_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("AUTOPACK_OPENAI_MODEL", "llama3"),
            ("AUTOPACK_OFFLINE_LATENCY_MS", "250"));

        Assert.Multiple(() =>
        {
            Assert.That(settings.Api.BindAddress, Is.EqualTo("192.168.1.100"));
            Assert.That(settings.Api.Port, Is.EqualTo(9001));
            Assert.That(settings.Api.AllowNonLocal, Is.True);
            Assert.That(settings.Api.ApiKey, Is.EqualTo("s3cret"));
            Assert.That(settings.Executor.Budget.RunTokenCap, Is.EqualTo(10_000_000));
            Assert.That(settings.Executor.Budget.PhaseTokenCap, Is.EqualTo(250_000));
            Assert.That(settings.Executor.Budget.PhaseCapPolicy.CapFor("research", null), Is.EqualTo(375_000));
            Assert.That(settings.Executor.Storage.DatabasePath, Is.EqualTo("/data/a.db"));
            Assert.That(settings.Executor.Storage.RunsDirectory, Is.EqualTo("/data/runs"));
            Assert.That(settings.Api.LogPath, Is.EqualTo(Path.Combine("/data/runs", "autopack.jsonl")), "the log follows the runtime folder");
            Assert.That(settings.Executor.Llm.OpenAiBaseUrl, Is.EqualTo("http://127.0.0.1:11434/v1"));
            Assert.That(settings.Executor.Llm.OpenAiModel, Is.EqualTo("llama3"));
            Assert.That(settings.Executor.Llm.OfflineLatencyMs, Is.EqualTo(250));
            Assert.That(settings.Api.BindIsLoopback, Is.False);
        });
    }

    [TestCase("AUTOPACK_RUN_TOKEN_CAP", "-1")]
    [TestCase("AUTOPACK_RUN_TOKEN_CAP", "0")]
    [TestCase("AUTOPACK_RUN_TOKEN_CAP", "five million")]
    [TestCase("AUTOPACK_RUN_TOKEN_CAP", "1.5")]
    [TestCase("AUTOPACK_PHASE_TOKEN_CAP", "-500000")]
    [TestCase("AUTOPACK_PHASE_TOKEN_CAP", "99999999999999999999999")]
    [TestCase("AUTOPACK_PORT", "0")]
    [TestCase("AUTOPACK_PORT", "70000")]
    [TestCase("AUTOPACK_PORT", "-80")]
    [TestCase("AUTOPACK_PORT", "http")]
    [TestCase("AUTOPACK_BIND_ADDRESS", "my-laptop")]
    [TestCase("AUTOPACK_BIND_ADDRESS", "example.com")]
    [TestCase("AUTOPACK_BIND_ADDRESS", "300.1.1.1")]
    [TestCase("AUTOPACK_ALLOW_NON_LOCAL", "yes")]
    [TestCase("AUTOPACK_OPENAI_BASE_URL", "ftp://example.com")]
    [TestCase("AUTOPACK_OPENAI_BASE_URL", "not a url")]
    [TestCase("AUTOPACK_OFFLINE_LATENCY_MS", "-1")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "design:2.0")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:1.5,Audit:0.3")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:abc")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:-1")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:0")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:Infinity")]
    public void Load_BadSetting_ThrowsNamingVariable(string variable, string value)
    {
        var ex = Assert.Throws<SettingsException>(() => Load((variable, value)));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Setting, Is.EqualTo(variable));
            Assert.That(ex.Message, Does.StartWith(variable + ": "));
            Assert.That(ex.Message, Does.Not.Contain('\n'));
        });
    }

    [Test]
    public void Load_MultiplierNaN_ThrowsNamingVariable()
    {
        // double.TryParse accepts "NaN"; NaN <= 0 is false, so a NaN multiplier slips through and every phase of that
        // category would get a cap of (long)NaN = 0 instead of start-up stopping with a message.
        Assert.That(
            () => Load(("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:NaN")),
            Throws.TypeOf<SettingsException>().With.Property(nameof(SettingsException.Setting)).EqualTo("AUTOPACK_PHASE_TOKEN_MULTIPLIERS"));
        Assert.That(
            () => Load(new Dictionary<string, string?> { ["audit"] = "NaN" }),
            Throws.TypeOf<SettingsException>().With.Property(nameof(SettingsException.Setting)).EqualTo("phase_token_cap_multipliers"));
    }

    [Test]
    public void Load_MultipliersVariable_OverridesListedCategoriesAndKeepsOthers()
    {
        var settings = Load(("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", " research : 2 , audit:0.25 "));

        Assert.Multiple(() =>
        {
            Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["research"], Is.EqualTo(2.0));
            Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["audit"], Is.EqualTo(0.25));
            Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["implementation"], Is.EqualTo(1.0));
            Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["verification"], Is.EqualTo(0.5));
            Assert.That(settings.Executor.Budget.PhaseCapPolicy.CapFor("research", null), Is.EqualTo(1_000_000));
            Assert.That(settings.Executor.Budget.PhaseCapPolicy.CapFor("audit", null), Is.EqualTo(125_000));
            Assert.That(settings.Executor.Budget.PhaseCapPolicy.CapFor("other", null), Is.EqualTo(500_000));
        });
    }

    [Test]
    public void Load_MultipliersVariableInSpecForm_ParsesAllFour()
    {
        var settings = Load(("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:1.5,implementation:1.0,verification:0.5,audit:0.3"));

        Assert.That(
            settings.Executor.Budget.PhaseTokenMultipliers,
            Is.EquivalentTo(new Dictionary<string, double> { ["research"] = 1.5, ["implementation"] = 1.0, ["verification"] = 0.5, ["audit"] = 0.3 }));
    }

    [Test]
    public void Load_MultiplierSectionFromAutopackJson_Applies()
    {
        var settings = Load(new Dictionary<string, string?> { ["verification"] = "0.75" });

        Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["verification"], Is.EqualTo(0.75));
        Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["research"], Is.EqualTo(1.5));
    }

    [Test]
    public void Load_MultiplierVariableAndSection_VariableWins()
    {
        var settings = Load(new Dictionary<string, string?> { ["research"] = "3" }, ("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "research:2"));

        Assert.That(settings.Executor.Budget.PhaseTokenMultipliers["research"], Is.EqualTo(2.0));
    }

    [Test]
    public void Load_MultiplierSectionUnknownKey_ThrowsNamingSection()
    {
        var ex = Assert.Throws<SettingsException>(() => Load(new Dictionary<string, string?> { ["design"] = "2" }));

        Assert.That(ex!.Setting, Is.EqualTo("phase_token_cap_multipliers"));
        Assert.That(ex.Message, Does.Contain("design"));
    }

    [TestCase("127.0.0.1", true)]
    [TestCase("127.5.5.5", true)]
    [TestCase("::1", true)]
    [TestCase("localhost", true)]
    [TestCase("LOCALHOST", true)]
    [TestCase("0.0.0.0", false)]
    [TestCase("::", false)]
    [TestCase("192.168.1.1", false)]
    [TestCase("10.0.0.1", false)]
    public void BindIsLoopback_Address_TrueOnlyForLoopback(string address, bool loopback)
    {
        Assert.That(Load(("AUTOPACK_BIND_ADDRESS", address)).Api.BindIsLoopback, Is.EqualTo(loopback));
        Assert.That(ApiSettings.IsLoopback(address), Is.EqualTo(loopback));
    }

    [TestCase("::ffff:127.0.0.1", "127.0.0.1")]
    [TestCase("::FFFF:7f00:1", "127.0.0.1")]
    [TestCase("::ffff:10.1.2.3", "10.1.2.3")]
    [TestCase("[::1]", "::1")]
    [TestCase("0:0:0:0:0:0:0:1", "::1")]
    public void Load_BindAddress_IsKeptInTheFormASocketListensOn(string given, string expected)
    {
        Assert.That(Load(("AUTOPACK_BIND_ADDRESS", given)).Api.BindAddress, Is.EqualTo(expected));
        Assert.That(new ApiSettings { BindAddress = given }.BindAddress, Is.EqualTo(expected), "however the settings are made");
    }

    [TestCase("1", true)]
    [TestCase("0", false)]
    [TestCase("true", true)]
    [TestCase("", false)]
    public void Load_AllowNonLocal_ReadsFlag(string value, bool expected) =>
        Assert.That(Load(("AUTOPACK_ALLOW_NON_LOCAL", value)).Api.AllowNonLocal, Is.EqualTo(expected));
}
