namespace Autopack.Cli.Tests;

/// <summary>A bad setting stops every command with one line naming it (SPEC: Settings).</summary>
public class SettingsCommandTests
{
    [TestCase("db", "migrate")]
    [TestCase("db", "version")]
    [TestCase("runs", "list")]
    public async Task AnyCommand_PortOutOfRangeInAutopackJson_OneLineNamingAutopackPort(string group, string verb)
    {
        using var cli = new CliHarness(new Dictionary<string, object> { ["AUTOPACK_DB"] = "cli.db", ["AUTOPACK_PORT"] = 99999 });

        var result = await cli.RunAsync(group, verb);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("AUTOPACK_PORT").And.Contain("99999"));
        Assert.That(File.Exists(Path.Combine(cli.WorkingDirectory, "cli.db")), Is.False, "nothing is done with a bad setting");
    }

    [TestCase("AUTOPACK_RUN_TOKEN_CAP", "-5")]
    [TestCase("AUTOPACK_PHASE_TOKEN_CAP", "lots")]
    [TestCase("AUTOPACK_BIND_ADDRESS", "not-an-address")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "design:2")]
    public async Task Migrate_BadSettingInAutopackJson_OneLineNamingIt(string variable, string value)
    {
        using var cli = new CliHarness(new Dictionary<string, object> { ["AUTOPACK_DB"] = "cli.db", [variable] = value });

        var result = await cli.RunAsync("db", "migrate");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain(variable));
    }

    [Test]
    public async Task Migrate_UnknownMultiplierInAutopackJsonSection_OneLineNamingTheSection()
    {
        using var cli = new CliHarness(new Dictionary<string, object>
        {
            ["AUTOPACK_DB"] = "cli.db",
            ["phase_token_cap_multipliers"] = new Dictionary<string, object> { ["design"] = 2 },
        });

        var result = await cli.RunAsync("db", "migrate");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("phase_token_cap_multipliers").And.Contain("design"));
    }

    [Test]
    public async Task Migrate_AutopackJsonIsNotJson_OneLineNamingTheFile()
    {
        using var cli = new CliHarness();
        cli.WriteFile("autopack.json", "AUTOPACK_DB = cli.db\n");

        var result = await cli.RunAsync("db", "migrate");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("autopack.json"));
    }

    [Test]
    public async Task Help_WithABadSetting_StillWorks()
    {
        using var cli = new CliHarness(new Dictionary<string, object> { ["AUTOPACK_PORT"] = 99999 });

        var result = await cli.RunAsync("runs", "--help");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("create").And.Contain("list").And.Contain("show").And.Contain("stop").And.Contain("abort"));
    }
}
