using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Queue;

/// <summary>The operator's switches (dispatch, mode, executing_limit) and the requeue of a PAUSED run.</summary>
public class QueueControlTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private QueueControl control = null!;

    [SetUp]
    public void SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero));
        control = new QueueControl(db.Database, time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task ReadAsync_FreshDatabase_DispatchOnNormalNoLimit()
    {
        var settings = await control.ReadAsync();

        Assert.That((settings.Dispatch, settings.Mode, settings.ExecutingLimit, settings.AcceptsClaims), Is.EqualTo((true, QueueMode.Normal, (int?)null, true)));
    }

    [Test]
    public async Task UpdateAsync_EachSetting_StoredWithWhoAndWhenAndAnEvent()
    {
        var paused = await control.UpdateAsync(new QueueChange(Dispatch: false, ChangeLimit: true, ExecutingLimit: 4), "api");
        time.Advance(TimeSpan.FromMinutes(1));
        var draining = await control.UpdateAsync(new QueueChange(Mode: QueueMode.Draining), "cli");
        var unlimited = await control.UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: null), "cli");

        Assert.That((paused.Dispatch, paused.ExecutingLimit, paused.UpdatedBy), Is.EqualTo((false, (int?)4, "api")));
        Assert.That((draining.Dispatch, draining.Mode, draining.ExecutingLimit), Is.EqualTo((false, QueueMode.Draining, (int?)4)), "a change leaves the other settings alone");
        Assert.That(draining.UpdatedAt, Is.EqualTo(time.GetUtcNow().UtcDateTime));
        Assert.That(unlimited.ExecutingLimit, Is.Null);
        Assert.That(
            Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'queue_changed' ORDER BY id"),
            Is.EqualTo(new[] { "dispatch off, executing_limit 4 (by api)", "mode DRAINING (by cli)", "no executing_limit (by cli)" }));
        Assert.That(
            Sql.Column(db.Database, "SELECT dispatch || ' ' || mode || ' ' || coalesce(executing_limit, 'none') || ' ' || updated_by FROM queue_settings"),
            Is.EqualTo(new[] { "0 DRAINING none cli" }),
            "as sqlite3 shows it");
    }

    [TestCase(0)]
    [TestCase(-3)]
    [TestCase(100_001)]
    public void UpdateAsync_LimitOutOfRange_RefusedAndNothingStored(int limit)
    {
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => control.UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: limit), "cli"));

        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM queue_settings WHERE executing_limit IS NOT NULL"), Is.Zero);
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events"), Is.Zero);
    }

    [Test]
    public async Task RequeueAsync_PausedRunWithAWaitingStop_QueuedAndTheStopSuperseded()
    {
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
        Sql.Execute(db.Database, "UPDATE runs SET status = 'PAUSED', failure_reason = 'stopped by operator' WHERE run_id = 'r1'");
        Sql.Execute(
            db.Database,
            "INSERT INTO control_requests (run_id, kind, source, requested_at) VALUES ('r1', 'stop', 'api', $t)",
            ("$t", DbTime.ToText(time.GetUtcNow())));

        var superseded = await control.RequeueAsync("r1", "cli");

        Assert.That(superseded, Is.EqualTo(1));
        Assert.That(Sql.Column(db.Database, "SELECT status FROM runs").Single(), Is.EqualTo("QUEUED"));
        Assert.That(Sql.Column(db.Database, "SELECT outcome FROM control_requests").Single(), Is.EqualTo("superseded: run requeued by cli"));
        Assert.That(Sql.Column(db.Database, "SELECT message FROM events WHERE kind = 'run_status'").Single(), Is.EqualTo("PAUSED -> QUEUED: requeued by operator (cli)"));
    }

    [TestCase("QUEUED")]
    [TestCase("EXECUTING")]
    [TestCase("DONE_SUCCESS")]
    public async Task RequeueAsync_RunNotPaused_IllegalTransitionAndNothingWritten(string status)
    {
        await db.CreateRunAsync(new PlanBuilder("r1").Phase("r1-p").Build(), time);
        Sql.Execute(db.Database, "UPDATE runs SET status = $s WHERE run_id = 'r1'", ("$s", status));
        var events = Sql.Scalar(db.Database, "SELECT count(*) FROM events");

        var ex = Assert.ThrowsAsync<IllegalTransitionException>(() => control.RequeueAsync("r1", "cli"));

        Assert.That(ex!.Message, Does.Contain($"{status} -> QUEUED"));
        Assert.That(Sql.Column(db.Database, "SELECT status FROM runs").Single(), Is.EqualTo(status));
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM events"), Is.EqualTo(events));
    }

    [Test]
    public void RequeueAsync_UnknownRun_NotFound() =>
        Assert.ThrowsAsync<NotFoundException>(() => control.RequeueAsync("nope", "cli"));
}
