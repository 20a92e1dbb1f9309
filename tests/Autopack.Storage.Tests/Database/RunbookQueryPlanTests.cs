using Autopack.Storage.Budgets;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Database;

/// <summary>
/// The runbook's queries run against a live database while executors write to it: each must be served by an
/// index, never by reading the whole table.
/// </summary>
public class RunbookQueryPlanTests
{
    private TestDatabase db = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        db = new TestDatabase();
        var ledger = new TokenLedger(db.Database, TimeProvider.System);
        for (var r = 0; r < 3; r++)
        {
            var runId = await db.CreateRunAsync(new PlanBuilder($"plan-run-{r}").Phase($"plan-run-{r}-a").Phase($"plan-run-{r}-b").Build());
            foreach (var phase in new[] { $"plan-run-{r}-a", $"plan-run-{r}-b" })
            {
                for (var i = 0; i < 5; i++)
                {
                    var reservation = await ledger.ReserveAsync(runId, phase, 100, 200, 10, "owner");
                    await ledger.SettleAsync(reservation, new UsageRecord(phase, "offline", "offline-1", "builder", 90, 150));
                }
            }
        }

        await new RunStateWriter(db.Database, TimeProvider.System).TransitionPhaseAsync("plan-run-1-a", Domain.Runs.PhaseStatus.Executing);
    }

    [OneTimeTearDown]
    public void OneTimeTearDown() => db.Dispose();

    [TestCase(RunbookQueries.RunBudget, "ix_usage_run_phase_tokens")]
    [TestCase(RunbookQueries.RunUsage, "ix_usage_run_phase_tokens")]
    [TestCase(RunbookQueries.PhaseUsage, "ix_usage_run_phase_tokens")]
    [TestCase(RunbookQueries.ExecutingPhases, "ix_phases_status")]
    public void QueryPlan_RunbookQuery_SearchesItsIndex(string query, string index)
    {
        var plan = QueryPlan.Of(db.Database, RunbookQueries.For(query, "plan-run-1"));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Scanned, Is.Empty, $"full scan in: {plan}");
            Assert.That(plan.Searched, Does.Contain(index), plan.ToString());
        });
    }

    [Test]
    public void QueryPlan_BudgetCheckOfTokenLedger_SearchesIndexes()
    {
        // What TokenLedger reads inside every reservation's write transaction: it must stay cheap as usage grows.
        const string query = """
            SELECT
              (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = 'plan-run-1' AND phase_id = 'plan-run-1-a'),
              (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = 'plan-run-1'),
              (SELECT coalesce(sum(tokens), 0) FROM token_reservations WHERE phase_id = 'plan-run-1-a'),
              (SELECT coalesce(sum(tokens), 0) FROM token_reservations WHERE run_id = 'plan-run-1')
            """;

        var plan = QueryPlan.Of(db.Database, query);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Scanned, Is.Empty, plan.ToString());
            Assert.That(plan.Searched, Is.SupersetOf(new[] { "ix_usage_run_phase_tokens", "ix_reservations_phase", "ix_reservations_run" }), plan.ToString());
            Assert.That(plan.Names, Does.Not.Contain("llm_usage_events"), "the usage sums come from the covering index alone: " + plan);
        });
    }
}
