using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Postgres;

/// <summary>GET /runs/{id}'s read path on PostgreSQL: its command is kept prepared, which Npgsql binds only with its parameters in place.</summary>
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
}
