using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Database;

public class DatabaseCleanupTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    [Test]
    public async Task RunAsync_DeadAndLiveExecutors_ReleasesOnlyWhatTheDeadLeftBehind()
    {
        using var db = new TestDatabase();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        await db.CreateRunAsync(new PlanBuilder("dead-run").Phase("dead-p").Build(), time);
        await db.CreateRunAsync(new PlanBuilder("live-run").Phase("live-p").Build(), time);
        await db.CreateRunAsync(new PlanBuilder("no-lease-run").Phase("no-lease-p").Build(), time);
        var leases = new ExecutorLeases(db.Database, time);
        var ledger = new TokenLedger(db.Database, time);

        await leases.TryAcquireAsync("dead-run", "dead-exec", 1, "h", StaleAfter);
        await ledger.ReserveAsync("dead-run", "dead-p", 100, 100, 10, "dead-exec");
        time.Advance(TimeSpan.FromSeconds(60));
        await leases.TryAcquireAsync("live-run", "live-exec", 2, "h", StaleAfter);
        var live = await ledger.ReserveAsync("live-run", "live-p", 100, 100, 10, "live-exec");
        await ledger.ReserveAsync("no-lease-run", "no-lease-p", 100, 100, 10, "gone-exec");
        time.Advance(TimeSpan.FromSeconds(5));

        var report = await new DatabaseCleanup(db.Database, time).RunAsync(StaleAfter);

        Assert.That(report.StaleLeases, Is.EqualTo(1));
        Assert.That(report.OrphanedReservations, Is.EqualTo(2));
        Assert.That(Sql.Column(db.Database, "SELECT owner_id FROM executor_leases"), Is.EqualTo(new[] { "live-exec" }));
        Assert.That(Sql.Scalar(db.Database, "SELECT id FROM token_reservations"), Is.EqualTo(live.Id));
        Assert.That(await leases.HeartbeatAsync("live-run", "live-exec"), Is.True);
    }

    [Test]
    public async Task RunAsync_AfterWrites_CheckpointsAndTruncatesTheWal()
    {
        using var db = new TestDatabase();
        await db.CreateRunAsync(new PlanBuilder("wal").Phase("wal-p").Build());
        Sql.Execute(db.Database, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
            INSERT INTO events (run_id, kind, message, created_at) SELECT 'wal', 'filler', printf('%.200c', 'x'), '2026-01-01T00:00:00.000Z' FROM n
            """);
        var wal = new FileInfo(db.Database.FullPath + "-wal");
        Assert.That(wal.Exists && wal.Length > 0, Is.True, "writes went to the WAL");

        var report = await new DatabaseCleanup(db.Database, TimeProvider.System).RunAsync(StaleAfter);

        wal.Refresh();
        // wal_checkpoint(TRUNCATE) that ran reports the WAL as it left it, reset: 0 frames (-1: it could not run).
        Assert.That(report.CheckpointedPages, Is.Zero, "the checkpoint ran and reset the WAL");
        Assert.That(wal.Exists ? wal.Length : 0, Is.Zero, "TRUNCATE leaves an empty WAL");
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'filler'"), Is.EqualTo(500), "nothing lost by the checkpoint");
        Assert.That(new DatabaseMigrator(db.Database).IntegrityCheck(), Is.EqualTo(new[] { "ok" }));
    }
}
