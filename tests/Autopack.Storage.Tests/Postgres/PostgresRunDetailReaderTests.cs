using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Postgres;

/// <summary>GET /runs/{id}'s read path on PostgreSQL (its command is kept prepared, which Npgsql binds only with its parameters in place), and the executor's one-row provider check.</summary>
public sealed class PostgresRunDetailReaderTests
{
    [Test]
    public async Task FindAsync_PreparedCommandReusedForAnotherRun_EachReadGetsItsOwnRun()
    {
        using var db = new TestPostgresDatabase();
        await db.CreateRunAsync(new PlanBuilder("pg-detail-1").Phase("pg-detail-1-a").Phase("pg-detail-1-b").Build());
        await db.CreateRunAsync(new PlanBuilder("pg-detail-2").Phase("pg-detail-2-a").Build());
        using var reader = new RunDetailReader(db.Database);

        var first = await reader.GetAsync("pg-detail-1");
        var second = await reader.GetAsync("pg-detail-2");
        var missing = await reader.FindAsync("pg-detail-none");

        Assert.Multiple(() =>
        {
            Assert.That((first.Run.RunId, first.Run.Phases.Count, first.Run.Tiers.Count), Is.EqualTo(("pg-detail-1", 2, 1)));
            Assert.That(second.Run.Phases.Select(p => p.PhaseId), Is.EqualTo(new[] { "pg-detail-2-a" }));
            Assert.That(missing, Is.Null);
        });
    }

    [Test]
    public async Task UsesProviderAsync_OnPostgres_TrueOnlyForAProviderAPhaseOfThatRunNames()
    {
        using var db = new TestPostgresDatabase();
        await db.CreateRunAsync(new PlanBuilder("pg-uses-1").Phase("pg-uses-1-a").Phase("pg-uses-1-b", provider: "anthropic").Build());
        await db.CreateRunAsync(new PlanBuilder("pg-uses-2").Phase("pg-uses-2-a", provider: "openai").Build());
        var store = new RunStore(db.Database, TimeProvider.System);

        Assert.That(await store.UsesProviderAsync("pg-uses-1", "anthropic"), Is.True);
        Assert.That(await store.UsesProviderAsync("pg-uses-1", "openai"), Is.False);
        Assert.That(await store.UsesProviderAsync("pg-uses-2", "anthropic"), Is.False, "another run's phase does not count");
        Assert.That(await store.UsesProviderAsync("pg-uses-none", "anthropic"), Is.False);
    }
}
