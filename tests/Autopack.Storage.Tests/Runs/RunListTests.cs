using Autopack.Domain.Runs;
using Autopack.Storage.Budgets;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Runs;

public class RunListTests
{
    [Test]
    public async Task ListAsync_PagesNewestFirstWithProgressAndTokens()
    {
        using var db = new TestDatabase();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var store = new RunStore(db.Database, time);
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync(new PlanBuilder($"list-{i}").Phase($"list-{i}-a").Phase($"list-{i}-b").Build(), TestDatabase.DefaultCaps);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var states = new RunStateWriter(db.Database, time);
        await states.TransitionPhaseAsync("list-3-a", PhaseStatus.Executing);
        await states.TransitionPhaseAsync("list-3-a", PhaseStatus.Gate);
        await states.TransitionPhaseAsync("list-3-a", PhaseStatus.Complete);
        await states.TransitionRunAsync("list-3", RunStatus.Executing);
        var ledger = new TokenLedger(db.Database, time);
        var reservation = await ledger.ReserveAsync("list-3", "list-3-a", 100, 50, 1, "owner");
        await ledger.SettleAsync(reservation, new UsageRecord("a", "offline", "m", "builder", 90, 30));

        var firstPage = await store.ListAsync(limit: 2);
        var secondPage = await store.ListAsync(limit: 2, offset: 2);
        var executing = await store.ListAsync(RunStatus.Executing);

        Assert.That(firstPage.Select(r => r.RunId), Is.EqualTo(new[] { "list-4", "list-3" }));
        Assert.That(secondPage.Select(r => r.RunId), Is.EqualTo(new[] { "list-2", "list-1" }));
        var run3 = firstPage[1];
        Assert.Multiple(() =>
        {
            Assert.That(run3.Status, Is.EqualTo(RunStatus.Executing));
            Assert.That(run3.PhasesTotal, Is.EqualTo(2));
            Assert.That(run3.PhasesComplete, Is.EqualTo(1));
            Assert.That(run3.TokensUsed, Is.EqualTo(120));
            Assert.That(run3.StartedAt, Is.Not.Null);
            Assert.That(firstPage[0].TokensUsed, Is.Zero);
        });
        Assert.That(executing.Select(r => r.RunId), Is.EqualTo(new[] { "list-3" }));
    }
}
