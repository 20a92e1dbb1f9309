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

    [TestCase(RunbookQueries.RunBudget, "llm_usage_events")]
    [TestCase(RunbookQueries.RunUsage, "llm_usage_events")]
    [TestCase(RunbookQueries.PhaseUsage, "llm_usage_events")]
    [TestCase(RunbookQueries.ExecutingPhases, "phases")]
    public void ExplainQueryPlan_RunbookQuery_SearchesAnIndex(string query, string table)
    {
        var plan = Sql.QueryPlan(db.Database, RunbookQueries.For(query, "plan-run-1"));
        Assert.That(plan, Is.Not.Empty);
        var where = string.Join(" / ", plan);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Where(IsTableScan), Is.Empty, $"full scan in: {where}");
            Assert.That(plan, Has.Some.Matches<string>(d => d.StartsWith($"SEARCH {table} USING", StringComparison.Ordinal) && d.Contains("INDEX", StringComparison.Ordinal)), where);
        });
    }

    [Test]
    public void ExplainQueryPlan_BudgetCheckOfTokenLedger_SearchesIndexes()
    {
        // What TokenLedger reads inside every reservation's write transaction: it must stay cheap as usage grows.
        const string query = """
            SELECT
              (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = 'plan-run-1' AND phase_id = 'plan-run-1-a'),
              (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = 'plan-run-1'),
              (SELECT coalesce(sum(tokens), 0) FROM token_reservations WHERE phase_id = 'plan-run-1-a'),
              (SELECT coalesce(sum(tokens), 0) FROM token_reservations WHERE run_id = 'plan-run-1')
            """;

        var plan = Sql.QueryPlan(db.Database, query);

        Assert.That(plan.Where(IsTableScan), Is.Empty, string.Join(" / ", plan));
        Assert.That(plan.Count(d => d.StartsWith("SEARCH", StringComparison.Ordinal)), Is.EqualTo(4), string.Join(" / ", plan));
    }

    /// <summary>"SCAN t" or "SCAN t USING ... INDEX" reads a whole table or index; "SCAN CONSTANT ROW" is the outer SELECT of scalars.</summary>
    private static bool IsTableScan(string detail) =>
        detail.StartsWith("SCAN ", StringComparison.Ordinal) && detail != "SCAN CONSTANT ROW";
}
