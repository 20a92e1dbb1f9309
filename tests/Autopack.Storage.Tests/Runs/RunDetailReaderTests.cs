using System.Text.Json;
using Autopack.Domain.Runs;
using Autopack.Storage.Entities;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Runs;

/// <summary>The plain-SQL run read gives what EF's RunStore gives, reuses its prepared command safely, and reads budget_totals.</summary>
public sealed class RunDetailReaderTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private RunDetailReader reader = null!;

    [SetUp]
    public void SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        reader = new RunDetailReader(db.Database);
    }

    [TearDown]
    public void TearDown()
    {
        reader.Dispose();
        db.Dispose();
    }

    [Test]
    public async Task FindAsync_StartedRunWithACommit_MapsEveryColumnAsRunStoreDoes()
    {
        await db.CreateRunAsync(
            new PlanBuilder("detail").Tier("first").Phase("detail-p1", cap: 1000, category: "research").Tier("second").Phase("detail-p2").Phase("detail-p3").Build(), time);
        var writer = new RunStateWriter(db.Database, time);
        await writer.TransitionRunAsync("detail", RunStatus.Executing);
        await writer.TransitionPhaseAsync("detail-p2", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("detail-p2", PhaseStatus.Failed, "verify failed");
        using (var connection = db.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"UPDATE phases SET status = 'COMPLETE', commit_sha = '{new string('c', 40)}', scope = '[\"src/**\"]' WHERE phase_id = 'detail-p1'";
            command.ExecuteNonQuery();
        }

        var expected = await new RunStore(db.Database, time).GetAsync("detail");
        var actual = (await reader.GetAsync("detail")).Run;

        Assert.Multiple(() =>
        {
            Assert.That(Json(actual, "Tiers", "Phases"), Is.EqualTo(Json(expected, "Tiers", "Phases")));
            Assert.That(string.Join('\n', actual.Tiers.Select(t => Json(t))), Is.EqualTo(string.Join('\n', expected.Tiers.Select(t => Json(t)))));
            Assert.That(string.Join('\n', actual.Phases.Select(p => Json(p, "Tier"))), Is.EqualTo(string.Join('\n', expected.Phases.Select(p => Json(p, "Tier")))));
            Assert.That(actual.Phases[0].CommitSha, Is.EqualTo(new string('c', 40)));
        });
    }

    [Test]
    public async Task FindAsync_TwoRunsReadInTurnsOnThePreparedCommand_EachGetsItsOwnRowsAndLaterChanges()
    {
        await db.CreateRunAsync(new PlanBuilder("one").Phase("one-p1").Build(), time);
        await db.CreateRunAsync(new PlanBuilder("two").Phase("two-p1").Phase("two-p2").Build(), time);

        var first = await reader.GetAsync("one");
        var second = await reader.GetAsync("two");
        await new RunStateWriter(db.Database, time).TransitionRunAsync("one", RunStatus.Aborted);
        var again = await reader.GetAsync("one");
        var missing = await reader.FindAsync("three");

        Assert.Multiple(() =>
        {
            Assert.That(first.Run.Phases.Select(p => p.PhaseId), Is.EqualTo(new[] { "one-p1" }));
            Assert.That(second.Run.Phases.Select(p => p.PhaseId), Is.EqualTo(new[] { "two-p1", "two-p2" }));
            Assert.That(again.Run.Status, Is.EqualTo(RunStatus.Aborted));
            Assert.That(missing, Is.Null);
        });
    }

    [Test]
    public async Task FindAsync_TokensUsed_ComeFromBudgetTotals()
    {
        await db.CreateRunAsync(new PlanBuilder("tokens").Phase("tokens-p1").Phase("tokens-p2").Build(), time);
        using (var connection = db.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
                VALUES ('tokens', 'tokens-p1', 'tokens-p1', 'offline', 'm', 'builder', 100, 20, '2026-11-25T17:00:00.000Z')
                """;
            command.ExecuteNonQuery();
        }

        var detail = await reader.GetAsync("tokens");

        Assert.Multiple(() =>
        {
            Assert.That(detail.TokensUsed, Is.EqualTo(120));
            Assert.That(detail.PhaseTokensUsed["tokens-p1"], Is.EqualTo(120));
            Assert.That(detail.PhaseTokensUsed["tokens-p2"], Is.Zero);
        });
    }

    /// <summary>The object's JSON without the named (navigation) properties.</summary>
    private static string Json<T>(T value, params string[] without)
    {
        var element = JsonSerializer.SerializeToElement(value);
        return JsonSerializer.Serialize(element.EnumerateObject().Where(p => !without.Contains(p.Name)).ToDictionary(p => p.Name, p => p.Value));
    }
}
