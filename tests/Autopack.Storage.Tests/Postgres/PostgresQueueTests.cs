using Autopack.Storage.Queue;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Postgres;

/// <summary>The run queue's statements on PostgreSQL, which wants an alias on every subquery in FROM and locks rows where SQLite locks the file.</summary>
public sealed class PostgresQueueTests
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    [Test]
    public async Task TryClaimAsync_ExecutingLimitOne_SecondClaimRefusedAndStatusCountsOneExecuting()
    {
        using var db = new TestPostgresDatabase();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero));
        foreach (var id in new[] { "pgq-old", "pgq-new" })
        {
            await db.CreateRunAsync(new PlanBuilder(id).Phase(id + "-p").Build(), time);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var workers = new WorkerRegistry(db.Database, time);
        var worker = new WorkerRegistration("w-pg", "host-pg", 1000, 2);
        await workers.RegisterAsync(worker);
        await new QueueControl(db.Database, time).UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: 1), "test");
        var claims = new RunClaims(db.Database, time);

        var first = await claims.TryClaimAsync(worker, Stale);
        var second = await claims.TryClaimAsync(worker, Stale);
        var status = await new QueueReader(db.Database, time).ReadAsync(Stale);

        Assert.Multiple(() =>
        {
            Assert.That(first.Claim?.RunId, Is.EqualTo("pgq-old"), first.Reason);
            Assert.That(second.Claim, Is.Null);
            Assert.That(second.Reason, Does.StartWith("executing_limit 1 reached (1 executing)"));
            Assert.That((status.Queued, status.Executing, status.Settings.ExecutingLimit), Is.EqualTo((1L, 1L, (int?)1)));
            Assert.That(status.OldestQueuedAt, Is.EqualTo(new DateTime(2026, 12, 4, 15, 0, 1, DateTimeKind.Utc)));
            Assert.That(status.Workers.Single().ClaimedRuns, Is.EqualTo(1));
        });
    }
}
