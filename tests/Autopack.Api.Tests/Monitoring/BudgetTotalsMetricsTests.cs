using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Monitoring;

/// <summary>
/// /metrics and the usage alerts read tokens from the trigger-kept budget_totals, not by summing usage rows at
/// scrape time: a total set apart from the rows (as only a direct write can) is what they show.
/// </summary>
public sealed class BudgetTotalsMetricsTests
{
    [Test]
    public async Task GetMetrics_TokenGauges_AreReadFromBudgetTotals()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("totals", runCap: 10_000).Phase("totals-p1").Build());
        Rows.InsertUsage(api.Db, "totals", "totals-p1", 500, 200);
        SetUsed(api.Db, "run", "totals", 4321);

        var text = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("autopack_tokens_used 4321"));
            Assert.That(text, Does.Contain("autopack_run_tokens_used{run_id=\"totals\"} 4321"));
        });
    }

    [Test]
    public async Task GetMetrics_PhaseTotalOverEightyPercent_RaisesTheUsageAlertFromBudgetTotals()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("near-cap", runCap: 1_000_000).Phase("near-cap-p1", cap: 1000).Build());
        SetUsed(api.Db, "phase", "near-cap-p1", 900);

        var text = await api.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.That(text, Does.Contain("autopack_alerts{kind=\"token_usage\"} 1"));
    }

    [Test]
    public async Task GetRun_TokensUsed_AreReadFromBudgetTotals()
    {
        using var api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("read-totals").Phase("read-totals-p1").Phase("read-totals-p2").Build());
        Rows.InsertUsage(api.Db, "read-totals", "read-totals-p1", 100, 50);
        SetUsed(api.Db, "run", "read-totals", 999);
        SetUsed(api.Db, "phase", "read-totals-p2", 77);

        var run = await api.GetJsonAsync("/runs/read-totals");

        var phases = run.GetProperty("tiers")[0].GetProperty("phases");
        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("tokens_used").GetInt64(), Is.EqualTo(999));
            Assert.That(phases[0].GetProperty("tokens_used").GetInt64(), Is.EqualTo(150));
            Assert.That(phases[1].GetProperty("tokens_used").GetInt64(), Is.EqualTo(77));
        });
    }

    private static void SetUsed(TestDatabase db, string scope, string id, long used)
    {
        using var connection = db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO budget_totals (scope, id, used_tokens) VALUES ($scope, $id, $used)
            ON CONFLICT (scope, id) DO UPDATE SET used_tokens = excluded.used_tokens
            """;
        command.Parameters.AddWithValue("$scope", scope);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$used", used);
        command.ExecuteNonQuery();
    }
}
