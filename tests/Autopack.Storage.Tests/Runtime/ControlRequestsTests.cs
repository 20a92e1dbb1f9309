using Autopack.Domain.Runs;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Storage.Tests.Runtime;

/// <summary>Requests stored per run by the CLI and API, and the executor's once-only handling of them.</summary>
public class ControlRequestsTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private ControlRequests requests = null!;
    private ControlRequestStore store = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 21, 0, 0, TimeSpan.Zero));
        requests = new ControlRequests(db.Database, time, new StorageSettings { LeaseStaleSeconds = 15 });
        store = new ControlRequestStore(db.Database, time);
        await db.CreateRunAsync(new PlanBuilder("a").Phase("a-p").Build(), time);
        await db.CreateRunAsync(new PlanBuilder("b").Phase("b-p").Build(), time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task RequestAsync_StopsForTwoRuns_BothRowsStoredAndNoFileWritten()
    {
        await requests.RequestAsync(new ControlCommand(ControlKind.Stop, "a"), ControlSource.Cli);
        await requests.RequestAsync(new ControlCommand(ControlKind.Stop, "b"), ControlSource.Api);

        Assert.That((await store.PendingAsync("a")).Select(r => (r.Kind, r.Source)), Is.EqualTo(new[] { ("stop", "cli") }));
        Assert.That((await store.PendingAsync("b")).Select(r => (r.Kind, r.Source)), Is.EqualTo(new[] { ("stop", "api") }));
        Assert.That(Directory.Exists(db.RunsDirectory) ? Directory.GetFiles(db.RunsDirectory, ".*") : [], Is.Empty, "the control file is the caller's to write");
    }

    [Test]
    public async Task RequestAsync_Timeout_StoredForThePhasesRun()
    {
        await requests.RequestAsync(new ControlCommand(ControlKind.Timeout, "b-p"), ControlSource.Cli);

        var pending = await store.PendingAsync("b");
        Assert.That(pending.Select(r => (r.Kind, r.PhaseId)), Is.EqualTo(new[] { ("timeout", (string?)"b-p") }));
    }

    [Test]
    public async Task MarkHandledAsync_Twice_SecondRecordsNothing()
    {
        var result = await requests.RequestAsync(new ControlCommand(ControlKind.Stop, "a"), ControlSource.Cli);

        var first = await store.MarkHandledAsync(result.RequestId!.Value, "executor pid 1", "stopping", "stop:a: stopping");
        var second = await store.MarkHandledAsync(result.RequestId!.Value, "executor pid 2", "stopping", "stop:a: stopping");

        Assert.That((first, second), Is.EqualTo((true, false)));
        Assert.That(db.Scalar("SELECT count(*) FROM events WHERE kind='control_command'"), Is.EqualTo(1));
        Assert.That(await store.PendingAsync("a"), Is.Empty);
        Assert.That((await store.LastHandledAsync("a", "stop", null))!.HandledBy, Is.EqualTo("executor pid 1"));
    }

    [Test]
    public async Task RequestAsync_AbortPausedRunWhoseExecutorIsStale_AbortedAtOnce()
    {
        var states = new RunStateWriter(db.Database, time);
        await states.TransitionRunAsync("a", RunStatus.Executing);
        await states.TransitionRunAsync("a", RunStatus.Paused);
        await new ExecutorLeases(db.Database, time).TryAcquireAsync("a", "dead-owner", 1, "h", TimeSpan.FromSeconds(15));
        time.Advance(TimeSpan.FromSeconds(16));

        var result = await requests.RequestAsync(new ControlCommand(ControlKind.Abort, "a"), ControlSource.Api);

        Assert.That(result.EndedNow, Is.True);
        Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id='a' AND status='ABORTED'"), Is.EqualTo(1));
        Assert.That(db.Scalar("SELECT count(*) FROM control_requests WHERE run_id='a' AND handled_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task RequestAsync_AbortQueuedRunWithFreshLease_LeftForItsExecutor()
    {
        await new ExecutorLeases(db.Database, time).TryAcquireAsync("a", "live-owner", 1, "h", TimeSpan.FromSeconds(15));
        time.Advance(TimeSpan.FromSeconds(5));

        var result = await requests.RequestAsync(new ControlCommand(ControlKind.Abort, "a"), ControlSource.Cli);

        Assert.That(result.EndedNow, Is.False);
        Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id='a' AND status='QUEUED'"), Is.EqualTo(1));
        Assert.That((await store.PendingAsync("a")).Select(r => r.Kind), Is.EqualTo(new[] { "abort" }));
    }
}
