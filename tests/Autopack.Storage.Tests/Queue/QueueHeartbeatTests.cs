using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Queue;

/// <summary>The queue's state as read from the database, and the heartbeat probe's verdict on it.</summary>
public class QueueHeartbeatTests
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private QueueReader reader = null!;
    private WorkerRegistry workers = null!;
    private RunClaims claims = null!;

    [SetUp]
    public void SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero));
        reader = new QueueReader(db.Database, time);
        workers = new WorkerRegistry(db.Database, time);
        claims = new RunClaims(db.Database, time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    private async Task<WorkerRegistration> WorkerAsync(string id)
    {
        var worker = new WorkerRegistration(id, "host", 100, 2);
        await workers.RegisterAsync(worker);
        return worker;
    }

    [Test]
    public async Task Evaluate_EmptyQueueNoWorker_Pass()
    {
        var queue = await reader.ReadAsync(Stale);

        Assert.That(QueueHeartbeat.Evaluate(queue), Is.EqualTo((QueueHeartbeat.Pass, (IReadOnlyList<string>)[])));
        Assert.That(queue.DispatchRefusal, Does.Contain("no live worker"));
    }

    [Test]
    public async Task Evaluate_RunsQueuedAndNoLiveWorker_Fail()
    {
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
        await WorkerAsync("gone");
        time.Advance(Stale + TimeSpan.FromSeconds(5));

        var (status, reasons) = QueueHeartbeat.Evaluate(await reader.ReadAsync(Stale));

        Assert.That(status, Is.EqualTo(QueueHeartbeat.Fail));
        Assert.That(reasons[0], Is.EqualTo("1 run(s) waiting and no live worker"));
        Assert.That(reasons, Has.Some.EqualTo("worker gone (pid 100 on host): heartbeat 20s old"));
    }

    [Test]
    public async Task Evaluate_RunsArrivingFasterThanClaimed_WarnBacklogGrowing()
    {
        var worker = await WorkerAsync("w1");
        for (var i = 1; i <= 3; i++)
        {
            await db.CreateRunAsync(new PlanBuilder($"r{i}").Phase($"r{i}-p").Build(), time);
        }

        await claims.TryClaimAsync(worker, Stale);
        time.Advance(TimeSpan.FromSeconds(40));
        await workers.HeartbeatAsync(worker);

        var queue = await reader.ReadAsync(Stale);
        var (status, reasons) = QueueHeartbeat.Evaluate(queue);

        Assert.That(status, Is.EqualTo(QueueHeartbeat.Warn));
        Assert.That(reasons, Is.EqualTo(new[] { "backlog growing: 3 run(s) queued and 1 claimed in the last 5 min; 2 queued" }));
        Assert.That((queue.Queued, queue.Executing, queue.OldestQueuedAge), Is.EqualTo((2L, 1L, (TimeSpan?)TimeSpan.FromSeconds(40))));
    }

    [Test]
    public async Task Evaluate_BacklogKeptUpWith_PassEvenWithRunsQueued()
    {
        var worker = await WorkerAsync("w1");
        for (var i = 1; i <= 3; i++)
        {
            await db.CreateRunAsync(new PlanBuilder($"r{i}").Phase($"r{i}-p").Build(), time);
        }

        await claims.TryClaimAsync(worker, Stale);
        time.Advance(QueueStatus.BacklogWindow + TimeSpan.FromSeconds(1));
        await workers.HeartbeatAsync(worker);

        Assert.That(QueueHeartbeat.Evaluate(await reader.ReadAsync(Stale)).Status, Is.EqualTo(QueueHeartbeat.Pass), "nothing arrived in the window");
    }

    [Test]
    public async Task Evaluate_OneStaleWorkerBesideALiveOne_Warn()
    {
        await WorkerAsync("dead");
        time.Advance(Stale + TimeSpan.FromSeconds(1));
        await WorkerAsync("alive");

        var queue = await reader.ReadAsync(Stale);
        var (status, reasons) = QueueHeartbeat.Evaluate(queue);

        Assert.That(status, Is.EqualTo(QueueHeartbeat.Warn));
        Assert.That(reasons, Is.EqualTo(new[] { "worker dead (pid 100 on host): heartbeat 16s old" }));
        Assert.That(queue.LiveWorkers, Is.EqualTo(1));
        Assert.That(queue.DispatchPossible, Is.True);
    }

    [Test]
    public async Task ReadAsync_DeadWorkersClaimAndStaleLease_CountedAsAwaitingTakeoverNotExecuting()
    {
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
        var dead = await WorkerAsync("dead");
        await claims.TryClaimAsync(dead, Stale);
        Sql.Execute(db.Database, "UPDATE runs SET status = 'EXECUTING'");
        Sql.Execute(db.Database, "INSERT INTO executor_leases VALUES ('r1', 'o', 7, 'host', $t, $t)", ("$t", DbTime.ToText(time.GetUtcNow())));

        var before = await reader.ReadAsync(Stale);
        time.Advance(Stale + TimeSpan.FromSeconds(1));
        var after = await reader.ReadAsync(Stale);

        Assert.That((before.Executing, before.AwaitingTakeover), Is.EqualTo((1L, 0L)));
        Assert.That((after.Executing, after.AwaitingTakeover, after.Waiting), Is.EqualTo((0L, 1L, 1L)));
        Assert.That(QueueHeartbeat.Evaluate(after).Status, Is.EqualTo(QueueHeartbeat.Fail));
    }

    [Test]
    public async Task ReadAsync_DrainingWithNothingExecuting_Drained()
    {
        await new QueueControl(db.Database, time).UpdateAsync(new QueueChange(Mode: QueueMode.Draining), "test");
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
        await WorkerAsync("w1");

        var queue = await reader.ReadAsync(Stale);

        Assert.That(queue.Drained, Is.True);
        Assert.That(queue.DispatchRefusal, Does.Contain("DRAINING"));
        Assert.That(QueueHeartbeat.Evaluate(queue).Reasons, Has.Some.Contains("while dispatch is stopped (DRAINING)"));
    }

    [Test]
    public async Task HeartbeatAsync_WorkerSilentPastRetention_RemovedWithAnEvent()
    {
        var alive = await WorkerAsync("alive");
        var lost = await WorkerAsync("lost");
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
        await claims.TryClaimAsync(lost, Stale);
        Sql.Execute(db.Database, "UPDATE runs SET status = 'DONE_SUCCESS'"); // its executor outlived it and finished
        time.Advance(WorkerRegistry.LostWorkerRetention + TimeSpan.FromMinutes(1));

        var removed = await workers.HeartbeatAsync(alive);

        Assert.That(removed, Is.EqualTo(1));
        Assert.That(Sql.Column(db.Database, "SELECT outcome FROM run_claims WHERE released_at IS NOT NULL").Single(), Does.StartWith("worker lost: silent since "));
        Assert.That(Sql.Column(db.Database, "SELECT worker_id FROM workers"), Is.EqualTo(new[] { "alive" }));
        Assert.That(Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'worker_lost'").Single(), Does.StartWith("worker lost (pid 100 on host) silent since"));
    }
}
