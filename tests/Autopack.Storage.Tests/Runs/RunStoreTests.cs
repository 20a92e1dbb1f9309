using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Budgets;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Runs;

public class RunStoreTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private RunStore store = null!;

    [SetUp]
    public void SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        store = new RunStore(db.Database, time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task UsesProviderAsync_TrueOnlyForAProviderAPhaseOfThatRunNames()
    {
        await store.CreateAsync(new PlanBuilder("mixed").Phase("mixed-a").Phase("mixed-b", provider: "anthropic").Build(), TestDatabase.DefaultCaps);
        await store.CreateAsync(new PlanBuilder("plain").Phase("plain-a", provider: "openai").Build(), TestDatabase.DefaultCaps);

        Assert.That(await store.UsesProviderAsync("mixed", "anthropic"), Is.True);
        Assert.That(await store.UsesProviderAsync("mixed", "offline"), Is.True);
        Assert.That(await store.UsesProviderAsync("mixed", "openai"), Is.False);
        Assert.That(await store.UsesProviderAsync("plain", "anthropic"), Is.False, "another run's phase does not count");
        Assert.That(await store.UsesProviderAsync("no-such-run", "anthropic"), Is.False);
    }

    [Test]
    public async Task CreateAsync_Plan_StoresTiersAndPhasesInOrderWithCapsResolved()
    {
        var plan = new PlanBuilder("r1")
            .Tier("foundation").Phase("r1-explicit", cap: 1_234, category: "research").Phase("r1-research", category: "research")
            .Tier("feature").Phase("r1-audit", category: "audit").Phase("r1-unknown", category: "deployment").Phase("r1-none", maxAttempts: 5)
            .Build();

        var runId = await store.CreateAsync(plan, TestDatabase.DefaultCaps);

        Assert.That(runId, Is.EqualTo("r1"));
        var run = Sql.Rows(db.Database, "SELECT status, goal, token_cap, created_at, started_at, finished_at FROM runs WHERE run_id = 'r1'").Single();
        Assert.That(run, Is.EqualTo(new object?[] { "QUEUED", "test goal", 5_000_000L, "2026-11-25T17:00:00.000Z", null, null }));
        Assert.That(
            Sql.Rows(db.Database, "SELECT name, position FROM tiers WHERE run_id = 'r1' ORDER BY tier_id"),
            Is.EqualTo(new[] { new object[] { "foundation", 0L }, new object[] { "feature", 1L } }));

        var phases = Sql.Rows(db.Database, """
            SELECT p.phase_id, t.name, p.position, p.token_cap, p.status, p.attempts, p.max_attempts, p.category
            FROM phases p JOIN tiers t ON t.tier_id = p.tier_id WHERE p.run_id = 'r1' ORDER BY p.position
            """);
        Assert.That(phases, Is.EqualTo(new[]
        {
            new object?[] { "r1-explicit", "foundation", 1L, 1_234L, "QUEUED", 0L, 3L, "research" },
            new object?[] { "r1-research", "foundation", 2L, 750_000L, "QUEUED", 0L, 3L, "research" },
            new object?[] { "r1-audit", "feature", 3L, 150_000L, "QUEUED", 0L, 3L, "audit" },
            new object?[] { "r1-unknown", "feature", 4L, 500_000L, "QUEUED", 0L, 3L, "deployment" },
            new object?[] { "r1-none", "feature", 5L, 500_000L, "QUEUED", 0L, 5L, null },
        }));
        Assert.That(Sql.Column(db.Database, "SELECT kind FROM events WHERE run_id = 'r1'"), Is.EqualTo(new[] { "run_created" }));
    }

    [Test]
    public async Task CreateAsync_ExplicitRunCapAndCustomDefaults_UsesThem()
    {
        var caps = new CapDefaults(77_000, new PhaseCapPolicy(1_000, new Dictionary<string, double> { ["research"] = 2.5 }));

        await store.CreateAsync(new PlanBuilder("explicit", runCap: 42_000).Phase("explicit-p").Build(), caps);
        await store.CreateAsync(new PlanBuilder("defaulted").Phase("defaulted-p", category: "research").Build(), caps);

        Assert.Multiple(() =>
        {
            Assert.That(Sql.Scalar(db.Database, "SELECT token_cap FROM runs WHERE run_id = 'explicit'"), Is.EqualTo(42_000));
            Assert.That(Sql.Scalar(db.Database, "SELECT token_cap FROM runs WHERE run_id = 'defaulted'"), Is.EqualTo(77_000));
            Assert.That(Sql.Scalar(db.Database, "SELECT token_cap FROM phases WHERE phase_id = 'explicit-p'"), Is.EqualTo(1_000));
            Assert.That(Sql.Scalar(db.Database, "SELECT token_cap FROM phases WHERE phase_id = 'defaulted-p'"), Is.EqualTo(2_500));
        });
    }

    [Test]
    public async Task CreateAsync_PlanWithoutIds_GeneratesSafeUniqueIds()
    {
        var first = await store.CreateAsync(new PlanBuilder().Phase().Phase().Build(), TestDatabase.DefaultCaps);
        var second = await store.CreateAsync(new PlanBuilder().Phase().Build(), TestDatabase.DefaultCaps);

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Match(@"^run-20261125-170000-[0-9a-f]{6}$"));
            Assert.That(Identifiers.IsSafe(first), Is.True);
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(
                Sql.Column(db.Database, "SELECT phase_id FROM phases WHERE run_id = $r ORDER BY position", ("$r", first)),
                Is.EqualTo(new[] { $"{first}-p1", $"{first}-p2" }));
        });
    }

    [Test]
    public async Task CreateAsync_LongestSafeRunIdWithoutPhaseIds_StoresOnlyPhaseIdsControlFilesCanName()
    {
        // A 128-character run id is valid, and phases without an id get "<run-id>-p<n>". Such an id is longer than
        // Identifiers allows, so "timeout:<phase-id>" in .force_timeout would be refused as malformed by the
        // executor. Refusing the plan is fine; storing an id that cannot be addressed is not.
        var plan = new PlanBuilder(new string('r', Identifiers.MaxLength)).Phase().Phase().Build();
        try
        {
            await store.CreateAsync(plan, TestDatabase.DefaultCaps);
        }
        catch (PlanValidationException)
        {
        }

        var ids = Sql.Column(db.Database, "SELECT phase_id FROM phases");
        Assert.That(ids, Is.All.Matches<string>(Identifiers.IsSafe), string.Join(", ", ids));
    }

    [Test]
    public async Task CreateAsync_DuplicateRunId_ThrowsAndWritesNothing()
    {
        await store.CreateAsync(new PlanBuilder("dup").Phase("dup-a").Build(), TestDatabase.DefaultCaps);
        var before = Sql.RunTableCounts(db.Database);

        var ex = Assert.ThrowsAsync<DuplicateIdException>(() =>
            store.CreateAsync(new PlanBuilder("dup").Phase("other-a").Phase("other-b").Build(), TestDatabase.DefaultCaps));

        Assert.That(ex!.Field, Is.EqualTo("run_id"));
        Assert.That(ex.Id, Is.EqualTo("dup"));
        Assert.That(Sql.RunTableCounts(db.Database), Is.EqualTo(before));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM phases WHERE phase_id LIKE 'other-%'"), Is.Zero);
    }

    [Test]
    public async Task CreateAsync_PhaseIdAlreadyInAnotherRun_ThrowsAndWritesNothing()
    {
        await store.CreateAsync(new PlanBuilder("first").Phase("shared-phase").Build(), TestDatabase.DefaultCaps);
        var before = Sql.RunTableCounts(db.Database);

        var ex = Assert.ThrowsAsync<DuplicateIdException>(() =>
            store.CreateAsync(new PlanBuilder("second").Tier("t1").Phase("second-new").Tier("t2").Phase("shared-phase").Build(), TestDatabase.DefaultCaps));

        Assert.That(ex!.Field, Is.EqualTo("phase_id"));
        Assert.That(ex.Id, Is.EqualTo("shared-phase"));
        Assert.That(Sql.RunTableCounts(db.Database), Is.EqualTo(before), "no half-written run");
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM runs WHERE run_id = 'second'"), Is.Zero);
        Assert.That(Sql.Column(db.Database, "SELECT run_id FROM phases WHERE phase_id = 'shared-phase'"), Is.EqualTo(new[] { "first" }));
    }

    [Test]
    public void CreateAsync_DuplicatePhaseIdWithinPlan_ThrowsAndWritesNothing()
    {
        var plan = new PlanBuilder("twice").Tier("a").Phase("same").Tier("b").Phase("same").Build();

        var ex = Assert.ThrowsAsync<DuplicateIdException>(() => store.CreateAsync(plan, TestDatabase.DefaultCaps));

        Assert.That(ex!.Field, Is.EqualTo("phase_id"));
        Assert.That(Sql.RunTableCounts(db.Database), Is.EqualTo((0L, 0L, 0L, 0L)));
    }

    [Test]
    public void CreateAsync_ExplicitIdCollidesWithGeneratedId_ThrowsAndWritesNothing()
    {
        // The second phase has no id, so it gets "gen-p2", which the first phase already claims.
        var plan = new PlanBuilder("gen").Phase("gen-p2").Phase().Build();

        var ex = Assert.ThrowsAsync<DuplicateIdException>(() => store.CreateAsync(plan, TestDatabase.DefaultCaps));

        Assert.That(ex!.Id, Is.EqualTo("gen-p2"));
        Assert.That(Sql.RunTableCounts(db.Database), Is.EqualTo((0L, 0L, 0L, 0L)));
    }

    [Test]
    public async Task CreateAsync_SameRunIdConcurrently_ExactlyOneWins()
    {
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var own = new RunStore(new Storage.Database.SqliteDatabase(db.Database.FullPath), time);
            try
            {
                await own.CreateAsync(new PlanBuilder("race").Phase($"race-{i}").Build(), TestDatabase.DefaultCaps);
                return true;
            }
            catch (DuplicateIdException)
            {
                return false;
            }
        })).ToList();

        var won = await Task.WhenAll(attempts);

        Assert.That(won.Count(w => w), Is.EqualTo(1));
        Assert.That(Sql.RunTableCounts(db.Database), Is.EqualTo((1L, 1L, 1L, 1L)));
    }

    [Test]
    public async Task CreateAsync_DifferentRunsSharingAPhaseIdConcurrently_OneWinsLoserToldWhichPhase()
    {
        var attempts = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            var own = new RunStore(new Storage.Database.SqliteDatabase(db.Database.FullPath), time);
            try
            {
                await own.CreateAsync(new PlanBuilder($"racer-{i}").Phase($"racer-{i}-own").Phase("contested").Build(), TestDatabase.DefaultCaps);
                return null;
            }
            catch (DuplicateIdException ex)
            {
                return ex;
            }
        })).ToList();

        var outcomes = await Task.WhenAll(attempts);

        Assert.That(outcomes.Count(o => o is null), Is.EqualTo(1));
        Assert.That(outcomes.Where(o => o is not null).Select(o => (o!.Field, o.Id)), Is.All.EqualTo(("phase_id", "contested")));
        Assert.That(Sql.RunTableCounts(db.Database), Is.EqualTo((1L, 1L, 2L, 1L)));
    }

    [Test]
    public async Task GetAsync_StoredRun_ReturnsTiersAndPhasesInOrder()
    {
        await store.CreateAsync(new PlanBuilder("show").Tier("b-first").Phase("show-1").Phase("show-2").Tier("a-second").Phase("show-3").Build(), TestDatabase.DefaultCaps);

        var run = await store.GetAsync("show");

        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(RunStatus.Queued));
            Assert.That(run.Tiers.Select(t => t.Name), Is.EqualTo(new[] { "b-first", "a-second" }));
            Assert.That(run.Phases.Select(p => p.PhaseId), Is.EqualTo(new[] { "show-1", "show-2", "show-3" }));
            Assert.That(run.Phases.Select(p => p.TierId).Distinct().Count(), Is.EqualTo(2));
            Assert.That(run.CreatedAt, Is.EqualTo(time.GetUtcNow().UtcDateTime));
        });
    }

    [Test]
    public async Task CreateAsync_ExternalBuilderAndModels_StoredAsSubmittedAndReadBack()
    {
        await store.CreateAsync(
            new PlanBuilder("xb")
                .Phase("xb-agent", provider: "openai", builder: new BuilderPlan("aider --message-file \"$AUTOPACK_PROMPT_FILE\"", 900), models: ["gpt-small", "gpt-large"])
                .Phase("xb-default-timeout", provider: "anthropic", builder: new BuilderPlan("claude -p hi"))
                .Phase("xb-built-in", models: ["only"])
                .Phase("xb-plain")
                .Build(),
            TestDatabase.DefaultCaps);

        var rows = Sql.Rows(db.Database, "SELECT phase_id, builder_command, builder_timeout_seconds, models FROM phases WHERE run_id = 'xb' ORDER BY position");
        var phases = (await store.GetAsync("xb")).Phases.ToDictionary(p => p.PhaseId);
        Assert.Multiple(async () =>
        {
            Assert.That(rows, Is.EqualTo(new[]
            {
                new object?[] { "xb-agent", "aider --message-file \"$AUTOPACK_PROMPT_FILE\"", 900L, """["gpt-small","gpt-large"]""" },
                new object?[] { "xb-default-timeout", "claude -p hi", null, null },
                new object?[] { "xb-built-in", null, null, """["only"]""" },
                new object?[] { "xb-plain", null, null, null },
            }), "the plan's shape, readable with sqlite3");
            Assert.That(phases["xb-agent"].Builder(), Is.EqualTo(new BuilderPlan("aider --message-file \"$AUTOPACK_PROMPT_FILE\"", 900)));
            Assert.That(phases["xb-agent"].Models(), Is.EqualTo(new[] { "gpt-small", "gpt-large" }));
            Assert.That(new[] { 1, 2, 3 }.Select(phases["xb-agent"].ModelFor), Is.EqualTo(new[] { "gpt-small", "gpt-large", "gpt-large" }));
            Assert.That(phases["xb-default-timeout"].Builder(), Is.EqualTo(new BuilderPlan("claude -p hi")));
            Assert.That(phases["xb-built-in"].Builder(), Is.Null);
            Assert.That(phases["xb-built-in"].ModelFor(2), Is.EqualTo("only"));
            Assert.That(phases["xb-plain"].Models(), Is.Null);
            Assert.That(phases["xb-plain"].ModelFor(1), Is.Null, "the provider's configured model");
            Assert.That((await store.FindPhaseAsync("xb-agent"))!.Builder(), Is.EqualTo(new BuilderPlan("aider --message-file \"$AUTOPACK_PROMPT_FILE\"", 900)));
        });
    }

    [Test]
    public void GetAsync_UnknownRun_ThrowsNotFound()
    {
        var ex = Assert.ThrowsAsync<NotFoundException>(() => store.GetAsync("no-such-run"));

        Assert.That(ex!.Message, Does.Contain("no-such-run").And.Contain("not found"));
    }

    [Test]
    public async Task FindPhaseAsync_KnownAndUnknown_ReturnsPhaseOrNull()
    {
        await store.CreateAsync(new PlanBuilder("fp").Phase("fp-1", cap: 999).Build(), TestDatabase.DefaultCaps);

        Assert.That((await store.FindPhaseAsync("fp-1"))!.TokenCap, Is.EqualTo(999));
        Assert.That(await store.FindPhaseAsync("fp-2"), Is.Null);
    }

    [Test]
    public async Task ListAsync_SeveralRuns_NewestFirstWithProgressAndTokens()
    {
        await store.CreateAsync(new PlanBuilder("older", runCap: 10_000).Phase("older-1").Phase("older-2").Build(), TestDatabase.DefaultCaps);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.CreateAsync(new PlanBuilder("newer", runCap: 20_000).Phase("newer-1").Build(), TestDatabase.DefaultCaps);
        var ledger = new TokenLedger(db.Database, time);
        var reservation = await ledger.ReserveAsync("older", "older-1", 100, 500, 10, "o");
        await ledger.SettleAsync(reservation, new UsageRecord("older-1", "offline", "m", "builder", 100, 300));
        var writer = new RunStateWriter(db.Database, time);
        await writer.TransitionPhaseAsync("older-1", PhaseStatus.Executing);
        await writer.TransitionPhaseAsync("older-1", PhaseStatus.Gate);
        await writer.TransitionPhaseAsync("older-1", PhaseStatus.Complete);

        var list = await store.ListAsync();

        Assert.That(list.Select(r => r.RunId), Is.EqualTo(new[] { "newer", "older" }));
        var older = list[1];
        Assert.Multiple(() =>
        {
            Assert.That(older.TokensUsed, Is.EqualTo(400));
            Assert.That(older.TokenCap, Is.EqualTo(10_000));
            Assert.That(older.PhasesTotal, Is.EqualTo(2));
            Assert.That(older.PhasesComplete, Is.EqualTo(1));
            Assert.That(list[0].TokensUsed, Is.Zero);
        });
        Assert.That((await store.ListAsync(RunStatus.Executing)).Select(r => r.RunId), Is.Empty);
        Assert.That((await store.ListAsync(limit: 1)).Select(r => r.RunId), Is.EqualTo(new[] { "newer" }));
    }
}
