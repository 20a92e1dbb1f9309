using Autopack.Domain.Runs;
using Autopack.Storage.Budgets;
using Autopack.Storage.Events;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Leases;

/// <summary>A fenced writer's writes land only while its owner holds the run's lease, checked in the write's own transaction.</summary>
public class LeaseFenceTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private ExecutorLeases leases = null!;
    private RunStateWriter fenced = null!;
    private EventLog fencedEvents = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero));
        leases = new ExecutorLeases(db.Database, time);
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-a").Phase("r1-b").Build(), time);
        await db.CreateRunAsync(new PlanBuilder("r2").Phase("r2-a").Build(), time);
        var fence = new LeaseFence("r1", "exec-old");
        fenced = new RunStateWriter(db.Database, time, fence);
        fencedEvents = new EventLog(db.Database, time, fence);
        Assert.That((await leases.TryAcquireAsync("r1", "exec-old", 1, "h", StaleAfter)).Acquired, Is.True);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task Writes_WhileTheLeaseIsHeld_Land()
    {
        await fenced.TransitionRunAsync("r1", RunStatus.Executing);
        await fenced.TransitionPhaseAsync("r1-a", PhaseStatus.Executing);
        await fencedEvents.AppendAsync("note", "still mine", "r1");

        Assert.That(db.Scalar("SELECT count(*) FROM events WHERE kind = 'note'"), Is.EqualTo(1));
        Assert.That(db.Scalar("SELECT count(*) FROM phases WHERE phase_id = 'r1-a' AND status = 'EXECUTING'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Writes_AfterATakeover_AreRefusedAndNothingChanges()
    {
        await fenced.TransitionRunAsync("r1", RunStatus.Executing);
        await fenced.TransitionPhaseAsync("r1-a", PhaseStatus.Executing);

        // The old owner goes silent past the stale limit; another executor takes the run over.
        time.Advance(StaleAfter + TimeSpan.FromSeconds(1));
        Assert.That((await leases.TryAcquireAsync("r1", "exec-new", 2, "h", StaleAfter)).TookOverStale, Is.True);
        var events = db.Scalar("SELECT count(*) FROM events");

        // What the old owner would write next if nothing stopped it: each of these transitions is legal.
        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync<LeaseLostException>(() => fenced.TransitionPhaseAsync("r1-a", PhaseStatus.Gate));
            Assert.ThrowsAsync<LeaseLostException>(() => fenced.TransitionPhaseAsync("r1-a", PhaseStatus.Queued, "retry", refundAttempt: true));
            Assert.ThrowsAsync<LeaseLostException>(() => fenced.CompletePhaseAsync("r1-a", new string('a', 40)));
            Assert.ThrowsAsync<LeaseLostException>(() => fenced.TransitionRunAsync("r1", RunStatus.Paused, "stopped"));
            Assert.ThrowsAsync<LeaseLostException>(() => fenced.SkipQueuedPhasesAsync("r1", "run ended"));
            Assert.ThrowsAsync<LeaseLostException>(() => fenced.SetBaseCommitAsync("r1", new string('b', 40)));
            Assert.ThrowsAsync<LeaseLostException>(() => fencedEvents.AppendAsync("phase_waiting", "stale", "r1", "r1-a"));
        });

        Assert.Multiple(() =>
        {
            Assert.That(db.Scalar("SELECT count(*) FROM events"), Is.EqualTo(events), "no event written");
            Assert.That(db.Scalar("SELECT count(*) FROM phases WHERE phase_id = 'r1-a' AND status = 'EXECUTING' AND commit_sha IS NULL"), Is.EqualTo(1));
            Assert.That(db.Scalar("SELECT count(*) FROM phases WHERE phase_id = 'r1-b' AND status = 'QUEUED'"), Is.EqualTo(1));
            Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id = 'r1' AND status = 'EXECUTING' AND base_commit IS NULL"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task TokenLedger_AfterATakeover_RefusesTheOldOwnersReserveAndSettle()
    {
        var ledger = new TokenLedger(db.Database, time, new LeaseFence("r1", "exec-old"));
        var held = await ledger.ReserveAsync("r1", "r1-a", 100, 50, 1, "exec-old");
        Assert.That(held.Granted, Is.True, "while the lease is held");

        time.Advance(StaleAfter + TimeSpan.FromSeconds(1));
        await leases.TryAcquireAsync("r1", "exec-new", 2, "h", StaleAfter);

        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync<LeaseLostException>(() => ledger.ReserveAsync("r1", "r1-a", 100, 50, 1, "exec-old"));
            Assert.ThrowsAsync<LeaseLostException>(() => ledger.SettleAsync(held, new UsageRecord("r1-a", "offline", "m", "builder", 100, 50)));
            Assert.That(db.Scalar("SELECT count(*) FROM llm_usage_events"), Is.Zero, "no usage row from the stale owner");
            Assert.That(db.Scalar("SELECT count(*) FROM token_reservations"), Is.EqualTo(1), "only the reservation made while it held the lease");
        });
    }

    [Test]
    public async Task Writes_ForAnotherRunOrWithoutARunId_AreNotFenced()
    {
        time.Advance(StaleAfter + TimeSpan.FromSeconds(1));
        await leases.TryAcquireAsync("r1", "exec-new", 2, "h", StaleAfter);

        await fenced.TransitionRunAsync("r2", RunStatus.Executing);
        await fencedEvents.AppendAsync("backup_done", "not about a run");

        Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id = 'r2' AND status = 'EXECUTING'"), Is.EqualTo(1));
        Assert.That(db.Scalar("SELECT count(*) FROM events WHERE kind = 'backup_done'"), Is.EqualTo(1));
    }
}
