using Autopack.Storage.Budgets;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Runs;

public class UsageQueriesTests
{
    private TestDatabase db = null!;
    private TokenLedger ledger = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        ledger = new TokenLedger(db.Database, TimeProvider.System);
        await db.CreateRunAsync(new PlanBuilder("u1", runCap: 100_000).Phase("u1-a", cap: 30_000).Phase("u1-b", cap: 20_000).Phase("u1-idle", cap: 10_000).Build());
        await db.CreateRunAsync(new PlanBuilder("u2", runCap: 100_000).Phase("u2-a", cap: 30_000).Build());
    }

    [TearDown]
    public void TearDown()
    {
        ledger.Dispose();
        db.Dispose();
    }

    private async Task Call(string run, string phase, string provider, string model, long prompt, long completion)
    {
        var reservation = await ledger.ReserveAsync(run, phase, prompt, completion + 1, 1, "o");
        await ledger.SettleAsync(reservation, new UsageRecord($"{phase}-name", provider, model, "builder", prompt, completion));
    }

    [Test]
    public async Task GetRunUsageAsync_CallsOnSeveralProviders_TotalsByRunPhaseProviderAndModel()
    {
        await Call("u1", "u1-a", "openai", "gpt-4o-mini", 1_000, 200);
        await Call("u1", "u1-a", "anthropic", "claude", 500, 100);
        await Call("u1", "u1-b", "openai", "gpt-4o", 300, 50);
        await Call("u1", "u1-b", "openai", "gpt-4o-mini", 10, 5);
        await Call("u2", "u2-a", "openai", "gpt-4o-mini", 9_999, 9_999);

        var usage = await new UsageQueries(db.Database).GetRunUsageAsync("u1");

        Assert.Multiple(() =>
        {
            Assert.That(usage.RunId, Is.EqualTo("u1"));
            Assert.That(usage.TokenCap, Is.EqualTo(100_000));
            Assert.That(usage.PromptTokens, Is.EqualTo(1_810));
            Assert.That(usage.CompletionTokens, Is.EqualTo(355));
            Assert.That(usage.TotalTokens, Is.EqualTo(2_165));
            Assert.That(usage.Calls, Is.EqualTo(4));
            Assert.That(usage.Phases, Is.EqualTo(new[]
            {
                new PhaseUsage("u1-a", "u1-a", 30_000, 1_500, 300, 2),
                new PhaseUsage("u1-b", "u1-b", 20_000, 310, 55, 2),
                new PhaseUsage("u1-idle", "u1-idle", 10_000, 0, 0, 0),
            }));
            Assert.That(usage.Providers, Is.EqualTo(new[] { new GroupUsage("anthropic", 500, 100, 1), new GroupUsage("openai", 1_310, 255, 3) }));
            Assert.That(usage.Models, Is.EqualTo(new[]
            {
                new GroupUsage("claude", 500, 100, 1),
                new GroupUsage("gpt-4o", 300, 50, 1),
                new GroupUsage("gpt-4o-mini", 1_010, 205, 2),
            }));
        });
    }

    [Test]
    public async Task GetRunUsageAsync_NoCalls_ZeroTotalsWithEveryPhaseAgainstItsCap()
    {
        var usage = await new UsageQueries(db.Database).GetRunUsageAsync("u2");

        Assert.That(usage.TotalTokens, Is.Zero);
        Assert.That(usage.Phases, Is.EqualTo(new[] { new PhaseUsage("u2-a", "u2-a", 30_000, 0, 0, 0) }));
        Assert.That(usage.Providers, Is.Empty);
    }

    [Test]
    public void GetRunUsageAsync_UnknownRun_ThrowsNotFound() =>
        Assert.ThrowsAsync<NotFoundException>(() => new UsageQueries(db.Database).GetRunUsageAsync("u404"));
}
