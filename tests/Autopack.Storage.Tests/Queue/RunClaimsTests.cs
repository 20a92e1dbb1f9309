using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Queue;

/// <summary>Claims of runs by workers on a real migrated database: order, the switches, the global limit, takeover, release.</summary>
public class RunClaimsTests
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private RunClaims claims = null!;
    private WorkerRegistry workers = null!;
    private QueueControl control = null!;

    [SetUp]
    public void SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero));
        claims = new RunClaims(db.Database, time);
        workers = new WorkerRegistry(db.Database, time);
        control = new QueueControl(db.Database, time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    private async Task<WorkerRegistration> WorkerAsync(string id)
    {
        var worker = new WorkerRegistration(id, "host-" + id, 1000, 2);
        await workers.RegisterAsync(worker);
        return worker;
    }

    private async Task CreateRunsAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            await db.CreateRunAsync(new PlanBuilder(id).Phase(id + "-p").Build(), time);
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private void InsertLease(string runId, DateTime heartbeat) =>
        Sql.Execute(db.Database, "INSERT INTO executor_leases VALUES ($r, 'owner-' || $r, 4242, 'elsewhere', $h, $h)", ("$r", runId), ("$h", DbTime.ToText(heartbeat)));

    [Test]
    public async Task TryClaimAsync_SeveralQueued_OldestFirstThenNothing()
    {
        await CreateRunsAsync("c-old", "a-mid", "b-new");
        var worker = await WorkerAsync("w1");

        var claimed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var attempt = await claims.TryClaimAsync(worker, Stale);
            if (attempt.Claim is { } claim)
            {
                claimed.Add(claim.RunId);
            }
            else
            {
                Assert.That(attempt.Reason, Is.EqualTo("no run waiting"));
            }
        }

        Assert.That(claimed, Is.EqualTo(new[] { "c-old", "a-mid", "b-new" }), "creation order, not id order");
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM run_claims WHERE released_at IS NULL AND worker_id = 'w1' AND claimed_status = 'QUEUED'"), Is.EqualTo(3));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'run_claimed'"), Is.EqualTo(3));
    }

    [Test]
    public async Task TryClaimAsync_DispatchOffOrDraining_ClaimsNothingAndSaysWhy()
    {
        await CreateRunsAsync("r1");
        var worker = await WorkerAsync("w1");

        await control.UpdateAsync(new QueueChange(Dispatch: false), "test");
        var paused = await claims.TryClaimAsync(worker, Stale);
        await control.UpdateAsync(new QueueChange(Dispatch: true, Mode: QueueMode.Draining), "test");
        var draining = await claims.TryClaimAsync(worker, Stale);
        await control.UpdateAsync(new QueueChange(Mode: QueueMode.Normal), "test");
        var normal = await claims.TryClaimAsync(worker, Stale);

        Assert.That(paused.Claim, Is.Null);
        Assert.That(paused.Reason, Does.Contain("paused"));
        Assert.That(draining.Claim, Is.Null);
        Assert.That(draining.Reason, Does.Contain("DRAINING"));
        Assert.That(normal.Claim?.RunId, Is.EqualTo("r1"));
    }

    [Test]
    public async Task TryClaimAsync_WorkerStoppingOrUnknown_ClaimsNothing()
    {
        await CreateRunsAsync("r1");
        var worker = await WorkerAsync("w1");
        await workers.SetStoppingAsync("w1");

        var stopping = await claims.TryClaimAsync(worker, Stale);
        var unknown = await claims.TryClaimAsync(new WorkerRegistration("ghost", "h", 1, 1), Stale);

        Assert.That(stopping.Claim, Is.Null);
        Assert.That(stopping.Reason, Does.Contain("STOPPING"));
        Assert.That(unknown.Claim, Is.Null);
        Assert.That(unknown.Reason, Does.Contain("not registered"));
    }

    [Test]
    public async Task TryClaimAsync_ManyWorkersRacing_NeverPassTheLimitNorClaimARunTwice()
    {
        var ids = Enumerable.Range(1, 12).Select(i => $"race-{i:D2}").ToArray();
        await CreateRunsAsync(ids);
        await control.UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: 5), "test");
        InsertLease("race-01", time.GetUtcNow().UtcDateTime); // an executor started by hand holds one slot (and its run)
        var racers = new List<WorkerRegistration>();
        for (var i = 0; i < 8; i++)
        {
            racers.Add(await WorkerAsync($"w{i}"));
        }

        // Each worker on its own thread and connection, each trying three times: 24 claims asked for, four slots left.
        var attempts = await Task.WhenAll(racers.Select(w => Task.Run(async () =>
        {
            var mine = new List<ClaimAttempt>();
            for (var i = 0; i < 3; i++)
            {
                mine.Add(await claims.TryClaimAsync(w, Stale));
            }

            return mine;
        })));

        var granted = attempts.SelectMany(a => a).Where(a => a.Claim is not null).Select(a => a.Claim!.RunId).ToList();
        Assert.That(granted, Has.Count.EqualTo(4), "5 slots, one held by the hand-started executor");
        Assert.That(granted, Is.Unique);
        Assert.That(granted, Does.Not.Contain("race-01"), "a run with a fresh lease is not claimable");
        Assert.That(granted, Is.EquivalentTo(new[] { "race-02", "race-03", "race-04", "race-05" }), "oldest first");
        Assert.That(attempts.SelectMany(a => a).Where(a => a.Claim is null).Select(a => a.Reason), Has.All.StartWith("executing_limit 5 reached"));
    }

    [Test]
    public async Task TryClaimAsync_NoLimitManyWorkers_EveryRunClaimedExactlyOnce()
    {
        var ids = Enumerable.Range(1, 30).Select(i => $"all-{i:D2}").ToArray();
        await CreateRunsAsync(ids);
        var racers = new List<WorkerRegistration>();
        for (var i = 0; i < 6; i++)
        {
            racers.Add(await WorkerAsync($"w{i}"));
        }

        var granted = await Task.WhenAll(racers.Select(w => Task.Run(async () =>
        {
            var mine = new List<string>();
            while ((await claims.TryClaimAsync(w, Stale)).Claim is { } claim)
            {
                mine.Add(claim.RunId);
            }

            return mine;
        })));

        Assert.That(granted.SelectMany(g => g), Is.EquivalentTo(ids));
    }

    [Test]
    public async Task TryClaimAsync_ClaimOfAWorkerGoneSilent_TakenOverAfterTheStalePeriodOnly()
    {
        await CreateRunsAsync("r1");
        var dead = await WorkerAsync("dead");
        var first = (await claims.TryClaimAsync(dead, Stale)).Claim!;
        var live = await WorkerAsync("live");

        time.Advance(Stale - TimeSpan.FromSeconds(1));
        await workers.HeartbeatAsync(live);
        var early = await claims.TryClaimAsync(live, Stale);
        time.Advance(TimeSpan.FromSeconds(2));
        await workers.HeartbeatAsync(live);
        var late = await claims.TryClaimAsync(live, Stale);

        Assert.That(early.Claim, Is.Null, "the dead worker's heartbeat is still fresh");
        Assert.That(late.Claim?.RunId, Is.EqualTo("r1"));
        Assert.That(late.Claim!.TakenOverFrom, Is.EqualTo("dead"));
        Assert.That(
            Sql.Column(db.Database, "SELECT outcome FROM run_claims WHERE id = $id", ("$id", first.Id)).Single(),
            Does.StartWith("taken over by worker live: worker dead silent for 16s"));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'run_claim_taken_over' AND run_id = 'r1'"), Is.EqualTo(1));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM run_claims WHERE run_id = 'r1' AND released_at IS NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task TryClaimAsync_ExecutingRunWithFreshThenStaleLease_ClaimableOnlyOnceStale()
    {
        await CreateRunsAsync("r1");
        Sql.Execute(db.Database, "UPDATE runs SET status = 'EXECUTING' WHERE run_id = 'r1'");
        InsertLease("r1", time.GetUtcNow().UtcDateTime);
        var worker = await WorkerAsync("w1");

        var held = await claims.TryClaimAsync(worker, Stale);
        time.Advance(Stale + TimeSpan.FromSeconds(1));
        await workers.HeartbeatAsync(worker);
        var stale = await claims.TryClaimAsync(worker, Stale);

        Assert.That(held.Claim, Is.Null);
        Assert.That(stale.Claim?.ClaimedStatus, Is.EqualTo("EXECUTING"));
        Assert.That(
            Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'run_claim_taken_over'").Single(),
            Does.Contain("executor pid 4242 on elsewhere silent for 16s"));
    }

    [Test]
    public async Task TryClaimAsync_PausedAndEndedRuns_NeverClaimed()
    {
        await CreateRunsAsync("paused", "done", "aborted");
        Sql.Execute(db.Database, "UPDATE runs SET status = 'PAUSED' WHERE run_id = 'paused'");
        Sql.Execute(db.Database, "UPDATE runs SET status = 'DONE_SUCCESS' WHERE run_id = 'done'");
        Sql.Execute(db.Database, "UPDATE runs SET status = 'ABORTED' WHERE run_id = 'aborted'");
        var worker = await WorkerAsync("w1");

        var attempt = await claims.TryClaimAsync(worker, Stale);

        Assert.That(attempt.Claim, Is.Null);
    }

    [Test]
    public async Task ReleaseAsync_WorkerStoppingAndRunPaused_RunGoesBackToTheQueue()
    {
        await CreateRunsAsync("r1");
        var worker = await WorkerAsync("w1");
        var claim = (await claims.TryClaimAsync(worker, Stale)).Claim!;
        Sql.Execute(db.Database, "UPDATE runs SET status = 'PAUSED', failure_reason = 'stopped; resume with autopack execute' WHERE run_id = 'r1'");

        var release = await claims.ReleaseAsync(claim, 0, workerStopping: true, Stale);

        Assert.That(release.Requeued, Is.True);
        Assert.That(Sql.Column(db.Database, "SELECT status FROM runs WHERE run_id = 'r1'").Single(), Is.EqualTo("QUEUED"));
        Assert.That(Sql.Column(db.Database, "SELECT failure_reason FROM runs WHERE run_id = 'r1'").Single(), Does.StartWith("requeued: worker w1 stopped"), "why it waits again, until it executes");
        Assert.That(Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'run_status'").Last(), Does.StartWith("PAUSED -> QUEUED: requeued: worker w1 stopped"));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM run_claims WHERE released_at IS NULL"), Is.Zero);

        var again = await claims.TryClaimAsync(await WorkerAsync("w2"), Stale);
        Assert.That(again.Claim?.RunId, Is.EqualTo("r1"), "the next worker resumes it");
    }

    [Test]
    public async Task ReleaseAsync_OperatorStopSinceTheClaim_RunStaysPaused()
    {
        await CreateRunsAsync("r1");
        var worker = await WorkerAsync("w1");
        var claim = (await claims.TryClaimAsync(worker, Stale)).Claim!;
        time.Advance(TimeSpan.FromSeconds(3));
        Sql.Execute(
            db.Database,
            "INSERT INTO control_requests (run_id, kind, source, requested_at, handled_at, handled_by, outcome) VALUES ('r1', 'stop', 'cli', $t, $t, 'executor', 'stopped')",
            ("$t", DbTime.ToText(time.GetUtcNow())));
        Sql.Execute(db.Database, "UPDATE runs SET status = 'PAUSED' WHERE run_id = 'r1'");

        var release = await claims.ReleaseAsync(claim, 0, workerStopping: true, Stale);

        Assert.That(release.Requeued, Is.False);
        Assert.That(release.Outcome, Does.Contain("an operator asked to stop it"));
        Assert.That(Sql.Column(db.Database, "SELECT status FROM runs").Single(), Is.EqualTo("PAUSED"));
    }

    [Test]
    public async Task ReleaseAsync_PausedWithoutWorkerStopping_RunStaysPaused()
    {
        await CreateRunsAsync("r1");
        var claim = (await claims.TryClaimAsync(await WorkerAsync("w1"), Stale)).Claim!;
        Sql.Execute(db.Database, "UPDATE runs SET status = 'PAUSED' WHERE run_id = 'r1'"); // an outage pause, say

        var release = await claims.ReleaseAsync(claim, 0, workerStopping: false, Stale);

        Assert.That(release.Requeued, Is.False);
        Assert.That(Sql.Column(db.Database, "SELECT status FROM runs").Single(), Is.EqualTo("PAUSED"));
    }

    [Test]
    public async Task ReleaseAsync_ExecutorFailedAndRunStillWaiting_BacksOffDoublingBeforeTheNextClaim()
    {
        await CreateRunsAsync("r1");
        var worker = await WorkerAsync("w1");
        var first = (await claims.TryClaimAsync(worker, Stale)).Claim!;

        var release = await claims.ReleaseAsync(first, 1, workerStopping: false, Stale);
        var during = await claims.TryClaimAsync(worker, Stale);
        time.Advance(Stale + TimeSpan.FromSeconds(1));
        await workers.HeartbeatAsync(worker);
        var second = (await claims.TryClaimAsync(worker, Stale)).Claim!;
        var secondRelease = await claims.ReleaseAsync(second, 1, workerStopping: false, Stale);

        Assert.That(release.RetryAfter, Is.EqualTo(first.ClaimedAt + Stale));
        Assert.That(during.Claim, Is.Null);
        Assert.That(secondRelease.RetryAfter, Is.EqualTo(second.ClaimedAt + (Stale * 2)));
        Assert.That(secondRelease.Outcome, Does.StartWith("exit 1: run QUEUED; executor failed"));
    }

    [Test]
    public async Task ReleaseAsync_ClaimTakenOverMeanwhile_ChangesNothing()
    {
        await CreateRunsAsync("r1");
        var frozen = await WorkerAsync("frozen");
        var old = (await claims.TryClaimAsync(frozen, Stale)).Claim!;
        time.Advance(Stale + TimeSpan.FromSeconds(1));
        var taker = await WorkerAsync("taker");
        var taken = (await claims.TryClaimAsync(taker, Stale)).Claim!;
        Sql.Execute(db.Database, "UPDATE runs SET status = 'PAUSED' WHERE run_id = 'r1'");

        var release = await claims.ReleaseAsync(old, 0, workerStopping: true, Stale);

        Assert.That(release.WasTakenOver, Is.True);
        Assert.That(Sql.Column(db.Database, "SELECT status FROM runs").Single(), Is.EqualTo("PAUSED"), "the frozen worker does not requeue a run it no longer holds");
        Assert.That(Sql.Column(db.Database, "SELECT outcome FROM run_claims WHERE id = $id", ("$id", old.Id)).Single(), Does.StartWith("taken over by worker taker"));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM run_claims WHERE id = $id AND released_at IS NULL", ("$id", taken.Id)), Is.EqualTo(1));
    }

    [Test]
    public async Task OpenClaimIndex_SecondOpenClaimForARun_IsRefusedByTheDatabase()
    {
        await CreateRunsAsync("r1");
        await claims.TryClaimAsync(await WorkerAsync("w1"), Stale);

        var ex = Assert.Throws<SqliteException>(() => Sql.Execute(
            db.Database, "INSERT INTO run_claims (run_id, worker_id, claimed_at, claimed_status) VALUES ('r1', 'w2', '2026-12-04T15:00:00.000Z', 'QUEUED')"));

        Assert.That(ex!.Message, Does.Contain("UNIQUE"));
    }
}
