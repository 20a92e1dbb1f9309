using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Leases;

public class ExecutorLeasesTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private ExecutorLeases leases = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        leases = new ExecutorLeases(db.Database, time);
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task TryAcquireAsync_NoLease_AcquiresAndRecordsHolder()
    {
        var outcome = await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);

        Assert.That(outcome, Is.EqualTo(new LeaseOutcome(true, false, null, null, null, null)));
        Assert.That(
            Sql.Rows(db.Database, "SELECT run_id, owner_id, pid, host, acquired_at, heartbeat_at FROM executor_leases").Single(),
            Is.EqualTo(new object[] { "r1", "exec-a", 111L, "host-a", "2026-11-25T17:00:00.000Z", "2026-11-25T17:00:00.000Z" }));
    }

    [Test]
    public async Task TryAcquireAsync_SecondOwnerWhileFresh_IsRefusedAndToldWhoHoldsIt()
    {
        await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);
        time.Advance(TimeSpan.FromSeconds(14));

        var outcome = await leases.TryAcquireAsync("r1", "exec-b", 222, "host-b", StaleAfter);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Acquired, Is.False);
            Assert.That(outcome.TookOverStale, Is.False);
            Assert.That(outcome.HolderOwnerId, Is.EqualTo("exec-a"));
            Assert.That(outcome.HolderPid, Is.EqualTo(111));
            Assert.That(outcome.HolderHost, Is.EqualTo("host-a"));
            Assert.That(outcome.HolderHeartbeatAge, Is.EqualTo(TimeSpan.FromSeconds(14)));
        });
        Assert.That(Sql.Column(db.Database, "SELECT owner_id FROM executor_leases"), Is.EqualTo(new[] { "exec-a" }));
    }

    [Test]
    public async Task TryAcquireAsync_HeartbeatsKeepLeaseFresh_SecondOwnerStillRefused()
    {
        await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            Assert.That(await leases.HeartbeatAsync("r1", "exec-a"), Is.True);
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var outcome = await leases.TryAcquireAsync("r1", "exec-b", 222, "host-b", StaleAfter);

        Assert.That(outcome.Acquired, Is.False, "50s after acquiring, but only 10s after the last heartbeat");
    }

    [Test]
    public async Task TryAcquireAsync_SameOwnerAgain_KeepsLease()
    {
        await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);
        time.Advance(TimeSpan.FromSeconds(5));

        var outcome = await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);

        Assert.That(outcome.Acquired, Is.True);
        Assert.That(outcome.TookOverStale, Is.False);
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'lease_taken_over'"), Is.Zero);
    }

    [Test]
    public async Task TryAcquireAsync_HolderStale_TakesOverAndOldOwnersHeartbeatFails()
    {
        await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);
        time.Advance(TimeSpan.FromSeconds(16));

        var outcome = await leases.TryAcquireAsync("r1", "exec-b", 222, "host-b", StaleAfter);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Acquired, Is.True);
            Assert.That(outcome.TookOverStale, Is.True);
            Assert.That(outcome.HolderOwnerId, Is.EqualTo("exec-a"));
            Assert.That(outcome.HolderHeartbeatAge, Is.EqualTo(TimeSpan.FromSeconds(16)));
        });
        Assert.That(
            Sql.Rows(db.Database, "SELECT owner_id, pid, heartbeat_at FROM executor_leases WHERE run_id = 'r1'").Single(),
            Is.EqualTo(new object[] { "exec-b", 222L, "2026-11-25T17:00:16.000Z" }));
        Assert.That(
            Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'lease_taken_over' AND run_id = 'r1'").Single(),
            Does.Contain("exec-a").And.Contain("111"));

        // The old executor wakes up: it must learn it no longer holds the run, and must not remove the new lease.
        Assert.That(await leases.HeartbeatAsync("r1", "exec-a"), Is.False);
        await leases.ReleaseAsync("r1", "exec-a");
        Assert.That(Sql.Column(db.Database, "SELECT owner_id FROM executor_leases"), Is.EqualTo(new[] { "exec-b" }));
        Assert.That(await leases.HeartbeatAsync("r1", "exec-b"), Is.True);
    }

    [Test]
    public async Task ReleaseAsync_Holder_FreesRunForNextExecutor()
    {
        await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);

        await leases.ReleaseAsync("r1", "exec-a");
        var next = await leases.TryAcquireAsync("r1", "exec-b", 222, "host-b", StaleAfter);

        Assert.That(next.Acquired, Is.True);
        Assert.That(next.TookOverStale, Is.False);
        Assert.That(await leases.HeartbeatAsync("r1", "exec-a"), Is.False);
    }

    [Test]
    public async Task AnyFreshAsync_FreshThenStale_TracksHeartbeatAge()
    {
        Assert.That(await leases.AnyFreshAsync(StaleAfter), Is.False);
        await leases.TryAcquireAsync("r1", "exec-a", 111, "host-a", StaleAfter);
        Assert.That(await leases.AnyFreshAsync(StaleAfter), Is.True);

        time.Advance(TimeSpan.FromSeconds(20));

        Assert.That(await leases.AnyFreshAsync(StaleAfter), Is.False);
        Assert.That((await leases.ListAsync()).Select(l => l.OwnerId), Is.EqualTo(new[] { "exec-a" }));
    }

    [Test]
    public async Task TryAcquireAsync_EightExecutorsRacing_ExactlyOneWins()
    {
        var racers = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            new ExecutorLeases(new SqliteDatabase(db.Database.FullPath), time).TryAcquireAsync("r1", $"exec-{i}", 1000 + i, "host", StaleAfter))).ToList();

        var outcomes = await Task.WhenAll(racers);

        Assert.That(outcomes.Count(o => o.Acquired), Is.EqualTo(1));
        var holder = Sql.Column(db.Database, "SELECT owner_id FROM executor_leases").Single();
        Assert.That(outcomes.Where(o => !o.Acquired).Select(o => o.HolderOwnerId), Is.All.EqualTo(holder), "every loser is told who won");
        Assert.That(outcomes.Single(o => o.Acquired).TookOverStale, Is.False);
    }
}
