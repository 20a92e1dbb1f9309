using Autopack.Executor.Calls;
using Autopack.Executor.Tests.Support;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Calls;

/// <summary>A settle that throws must not leave its reservation held until a takeover.</summary>
public sealed class SettlementFailureTests
{
    [Test]
    public async Task CallAsync_SettleKeepsFailing_ReleasesTheReservationAndThrows()
    {
        await using var scenario = new BudgetScenario();
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());

        // The real database refuses every usage row, so both settle tries fail; deleting the reservation still works.
        _ = scenario.Db.Scalar("CREATE TRIGGER refuse_usage BEFORE INSERT ON llm_usage_events BEGIN SELECT RAISE(ABORT, 'usage refused'); END;");
        var provider = ScriptedLlmProvider.Reporting(10, 5);

        Assert.That(
            async () => await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", "s", "u", false, CancellationToken.None),
            Throws.Exception.With.Message.Contains("usage refused"));

        Assert.Multiple(() =>
        {
            Assert.That(scenario.Reservations, Is.Zero, "the failed settle released its reservation");
            Assert.That(scenario.UsageRows, Is.Zero);
        });
    }
}
