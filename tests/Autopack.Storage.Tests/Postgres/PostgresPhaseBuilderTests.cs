using Autopack.Domain.Plans;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Postgres;

/// <summary>
/// A phase's external builder and models (migration 202612101200) on PostgreSQL: stored by the run store and read back
/// by the plain-SQL readers the executor and GET /runs/{id} use. Ignored without AUTOPACK_TEST_POSTGRES.
/// </summary>
public sealed class PostgresPhaseBuilderTests
{
    [Test]
    public async Task CreateRun_BuilderAndModels_ReadBackByTheRunReaders()
    {
        using var db = new TestPostgresDatabase();
        await db.CreateRunAsync(new PlanBuilder("pg-xb")
            .Phase("pg-xb-agent", provider: "openai", builder: new BuilderPlan("python3 agent.py", 120), models: ["m-1", "m-2"])
            .Phase("pg-xb-plain")
            .Build());

        var detail = await RunDetailReader.ReadOnceAsync(db.Database, "pg-xb");
        var agent = detail!.Run.Phases.Single(p => p.PhaseId == "pg-xb-agent");
        var plain = detail.Run.Phases.Single(p => p.PhaseId == "pg-xb-plain");
        Assert.Multiple(() =>
        {
            Assert.That(agent.Builder(), Is.EqualTo(new BuilderPlan("python3 agent.py", 120)));
            Assert.That(agent.Models(), Is.EqualTo(new[] { "m-1", "m-2" }));
            Assert.That(plain.Builder(), Is.Null);
            Assert.That(plain.Models(), Is.Null);
            Assert.That(db.Scalar("SELECT count(*) FROM phases WHERE builder_timeout_seconds = 120 AND models = '[\"m-1\",\"m-2\"]'"), Is.EqualTo(1));
        });
    }
}
