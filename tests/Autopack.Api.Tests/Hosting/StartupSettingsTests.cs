using Autopack.Api.Tests.Support;
using Autopack.Domain.Settings;

namespace Autopack.Api.Tests.Hosting;

/// <summary>A bad setting stops the host from starting, with the setting named.</summary>
public sealed class StartupSettingsTests
{
    [TestCase("AUTOPACK_PORT", "70000")]
    [TestCase("AUTOPACK_RUN_TOKEN_CAP", "-5")]
    [TestCase("AUTOPACK_RATE_LIMIT_PER_MINUTE", "0")]
    [TestCase("AUTOPACK_BIND_ADDRESS", "not-an-address")]
    [TestCase("AUTOPACK_PHASE_TOKEN_MULTIPLIERS", "bogus:2")]
    [TestCase("AUTOPACK_BACKUP_CRON", "every day at two")]
    public void Start_BadSetting_FailsNamingIt(string setting, string value)
    {
        var ex = Assert.Catch(() =>
        {
            using var api = new ApiHarness(new Dictionary<string, string?> { [setting] = value });
        });

        Assert.That(SettingsError(ex), Is.Not.Null, ex?.ToString());
        Assert.That(SettingsError(ex)!.Message, Does.StartWith(setting));
    }

    [Test]
    public void Start_NonLocalBindWithoutFlag_FailsNamingTheFlag()
    {
        var ex = Assert.Catch(() =>
        {
            using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_BIND_ADDRESS"] = "0.0.0.0" });
        });

        Assert.That(SettingsError(ex)?.Setting, Is.EqualTo("AUTOPACK_ALLOW_NON_LOCAL"), ex?.ToString());
    }

    private static SettingsException? SettingsError(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is SettingsException settings)
            {
                return settings;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(SettingsError).FirstOrDefault(s => s is not null) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}
