using Autopack.Executor.Calls;
using Autopack.Executor.Tests.Support;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Calls;

/// <summary>The 80% warning comes before any refusal, once per scope.</summary>
public sealed class WarningBeforeRefusalTests
{
    [Test]
    public async Task CallAsync_RefusedByTheMinimumOutputRuleBeforeAnyWarning_RecordsTheWarningOnce()
    {
        await using var scenario = new BudgetScenario();
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 30).Build());
        var provider = ScriptedLlmProvider.Reporting(1, 1);
        var client = scenario.Client(provider);
        var target = new CallTarget("r1", "p1", "p1", provider.Name, "owner-1");

        Assert.ThrowsAsync<BudgetRefusedException>(() => client.CallAsync(target, "builder", "s", "u", false, CancellationToken.None));
        Assert.ThrowsAsync<BudgetRefusedException>(() => client.CallAsync(target, "builder", "s", "u", false, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(scenario.Events("budget_warning", "p1"), Is.EqualTo(1), "warned before the first refusal, not again");
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_warning' AND message LIKE '%of 30 tokens%'"), Is.EqualTo(1));
            Assert.That(provider.Requests, Is.Empty);
        });
    }
}
