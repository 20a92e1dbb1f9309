using Autopack.Api.Dashboard;
using Autopack.Api.Database;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>
/// The dashboard polls these queries every second or two while executors write: each must search an index,
/// and the usage ones must never read the usage rows themselves (docs/PERFORMANCE.md has the figures).
/// </summary>
public sealed class DashboardQueryPlanTests
{
    private TestDatabase db = null!;

    [OneTimeSetUp]
    public void MigrateDatabase() => db = new TestDatabase();

    [OneTimeTearDown]
    public void DropDatabase() => db.Dispose();

    [Test]
    public void UsageOverTime_AllRuns_ReadsOnlyTheCoveringIndex()
    {
        var plan = Plan(UsageTimeline.CommandText(forRun: false));

        Assert.That(plan, Is.EqualTo(new[] { "SEARCH llm_usage_events USING COVERING INDEX ix_usage_created_at_tokens (created_at>? AND created_at<?)" }));
    }

    [Test]
    public void UsageOverTime_OneRun_SearchesTheRunsRows()
    {
        var plan = Plan(UsageTimeline.CommandText(forRun: true));

        Assert.That(plan[0], Does.StartWith("SEARCH llm_usage_events USING").And.Contain("(run_id=?"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void PageOfRuns_PicksThePageByIndexThenLooksUpOnlyItsRuns(bool byStatus)
    {
        var plan = Plan(RunStore.ListCommandText(byStatus));
        var where = string.Join(" / ", plan);

        Assert.Multiple(() =>
        {
            Assert.That(plan, Has.Some.StartsWith(byStatus ? "SEARCH runs USING INDEX ix_runs_status" : "SCAN runs USING INDEX ix_runs_created_at"), where);
            Assert.That(plan, Has.Some.EqualTo("SEARCH t USING PRIMARY KEY (scope=? AND id=?)"), "tokens from budget_totals: " + where);
            Assert.That(plan.Where(d => d.Contains("llm_usage_events", StringComparison.Ordinal)), Is.Empty, "no usage row is summed: " + where);
            Assert.That(plan.Where(d => d.StartsWith("SEARCH p ", StringComparison.Ordinal)), Has.All.Contains("ux_phases_run_position (run_id=?)"), where);
        });
    }

    [TestCase(true, false, "SEARCH events USING INDEX ix_events_run (run_id=?)")]
    [TestCase(true, true, "SEARCH events USING INDEX ix_events_run (run_id=? AND id<?)")]
    [TestCase(false, true, "SEARCH events USING INTEGER PRIMARY KEY (rowid<?)")]
    public void EventPages_SearchAnIndex(bool forRun, bool before, string expected)
    {
        Assert.That(Plan(EventPages.CommandText(forRun, before)), Does.Contain(expected));
    }

    [Test]
    public void StatusCounts_ReadOnlyTheStatusIndex()
    {
        Assert.That(Plan(StatusCounts.RunsCommandText), Is.EqualTo(new[] { "SCAN runs USING COVERING INDEX ix_runs_status" }));
    }

    private List<string> Plan(string sql)
    {
        using var connection = db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$from", "$to", "$run", "$before", "$limit", "$offset", "$status" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, "x");
            }
        }

        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return details;
    }
}
