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

        Assert.That(plan.Reads, Is.EqualTo(new[] { new QueryPlan.Read("ix_usage_created_at_tokens", "llm_usage_events", Scanned: false) }), plan.ToString());
    }

    [Test]
    public void UsageOverTime_OneRun_SearchesTheRunsRows()
    {
        var plan = Plan(UsageTimeline.CommandText(forRun: true));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Scanned, Is.Empty, plan.ToString());
            Assert.That(plan.Searched, Does.Contain("ix_usage_run_provider_model"), plan.ToString());
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void PageOfRuns_PicksThePageByIndexThenLooksUpOnlyItsRuns(bool byStatus)
    {
        var plan = Plan(RunStore.ListCommandText(byStatus));
        var where = plan.ToString();

        Assert.Multiple(() =>
        {
            // Newest first walks ix_runs_created_at from its end and stops at the page's LIMIT; a status searches
            // ix_runs_status_created (status, created_at: the queue's index), whose rows come in the page's order.
            Assert.That(byStatus ? plan.Searched : plan.Scanned, Does.Contain(byStatus ? "ix_runs_status_created" : "ix_runs_created_at"), where);
            Assert.That(plan.Scanned, Is.SubsetOf(new[] { "ix_runs_created_at" }), "nothing else is read whole: " + where);
            Assert.That(plan.Searched, Does.Contain("budget_totals"), "tokens from budget_totals: " + where);
            Assert.That(plan.Reads.Where(r => r.Table == "llm_usage_events"), Is.Empty, "no usage row is summed: " + where);
            Assert.That(plan.Reads.Where(r => r.Table == "phases" && r.Name != "phases").Select(r => r.Name), Is.Not.Empty.And.All.EqualTo("ux_phases_run_position"), where);
        });
    }

    [TestCase(true, false, "ix_events_run")]
    [TestCase(true, true, "ix_events_run")]
    [TestCase(false, true, "events")]
    public void EventPages_SearchAnIndex(bool forRun, bool before, string searched)
    {
        var plan = Plan(EventPages.CommandText(forRun, before));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Scanned, Is.Empty, plan.ToString());
            Assert.That(plan.Searched, Does.Contain(searched), plan.ToString());
        });
    }

    [Test]
    public void StatusCounts_ReadOnlyTheStatusIndex()
    {
        var plan = Plan(StatusCounts.RunsCommandText);

        Assert.That(plan.Reads, Is.EqualTo(new[] { new QueryPlan.Read("ix_runs_status", "runs", Scanned: true) }), "every run counted, from the index alone: " + plan);
    }

    private QueryPlan Plan(string sql)
    {
        string[] names = ["@from", "@to", "@run", "@before", "@limit", "@offset", "@status"];
        return QueryPlan.Of(db.Database, sql, names.Where(n => sql.Contains(n, StringComparison.Ordinal)).ToDictionary(n => n, _ => (object?)"x"));
    }
}
