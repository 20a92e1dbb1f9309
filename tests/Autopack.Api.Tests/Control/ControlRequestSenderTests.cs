using Autopack.Api.Control;
using Autopack.Domain.Runs;
using Autopack.Storage;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Api.Tests.Control;

/// <summary>Requests the CLI and API send: stored per run, then the control file written as an operator's echo would.</summary>
public class ControlRequestSenderTests
{
    private TestDatabase db = null!;
    private FakeTimeProvider time = null!;
    private ControlRequestSender sender = null!;
    private ControlRequestStore store = null!;

    [SetUp]
    public async Task SetUp()
    {
        db = new TestDatabase();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 21, 0, 0, TimeSpan.Zero));
        sender = new ControlRequestSender(new ControlRequests(db.Database, time, new StorageSettings { LeaseStaleSeconds = 15 }), new RuntimeFolder(db.RunsDirectory));
        store = new ControlRequestStore(db.Database, time);
        await db.CreateRunAsync(new PlanBuilder("a").Phase("a-p").Build(), time);
        await db.CreateRunAsync(new PlanBuilder("b").Phase("b-p").Build(), time);
    }

    [TearDown]
    public void TearDown() => db.Dispose();

    [Test]
    public async Task SendAsync_StopsForTwoRunsInQuickSuccession_BothRowsKeptWhateverTheFileHolds()
    {
        await sender.SendAsync(new ControlCommand(ControlKind.Stop, "a"), ControlSource.Cli);
        await sender.SendAsync(new ControlCommand(ControlKind.Stop, "b"), ControlSource.Api);

        Assert.That(File.ReadAllText(Path.Combine(db.RunsDirectory, ".stop_executor")), Is.EqualTo("stop:b\n"), "the one shared file holds the last");
        Assert.That((await store.PendingAsync("a")).Select(r => (r.Kind, r.Source)), Is.EqualTo(new[] { ("stop", "cli") }));
        Assert.That((await store.PendingAsync("b")).Select(r => (r.Kind, r.Source)), Is.EqualTo(new[] { ("stop", "api") }));
    }

    [Test]
    public async Task SendAsync_AbortPausedRunWhoseExecutorIsStale_AbortedAtOnceWithoutAFile()
    {
        var states = new RunStateWriter(db.Database, time);
        await states.TransitionRunAsync("a", RunStatus.Executing);
        await states.TransitionRunAsync("a", RunStatus.Paused);
        await new ExecutorLeases(db.Database, time).TryAcquireAsync("a", "dead-owner", 1, "h", TimeSpan.FromSeconds(15));
        time.Advance(TimeSpan.FromSeconds(16));

        var sent = await sender.SendAsync(new ControlCommand(ControlKind.Abort, "a"), ControlSource.Api);

        Assert.That((sent.Request.EndedNow, sent.FilePath), Is.EqualTo((true, (string?)null)));
        Assert.That(File.Exists(Path.Combine(db.RunsDirectory, ".abort_run")), Is.False, "no executor is left to consume it");
        Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id='a' AND status='ABORTED'"), Is.EqualTo(1));
        Assert.That(db.Scalar("SELECT count(*) FROM control_requests WHERE run_id='a' AND handled_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_AbortQueuedRunWithFreshLease_LeftForItsExecutor()
    {
        await new ExecutorLeases(db.Database, time).TryAcquireAsync("a", "live-owner", 1, "h", TimeSpan.FromSeconds(15));
        time.Advance(TimeSpan.FromSeconds(5));

        var sent = await sender.SendAsync(new ControlCommand(ControlKind.Abort, "a"), ControlSource.Cli);

        Assert.That(sent.Request.EndedNow, Is.False);
        Assert.That(File.ReadAllText(sent.FilePath!), Is.EqualTo("abort:a\n"));
        Assert.That(db.Scalar("SELECT count(*) FROM runs WHERE run_id='a' AND status='QUEUED'"), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_RunAlreadyEnded_NeitherStoredNorWritten()
    {
        await new RunStateWriter(db.Database, time).TransitionRunAsync("a", RunStatus.Aborted, "aborted by operator");

        var sent = await sender.SendAsync(new ControlCommand(ControlKind.Stop, "a"), ControlSource.Api);

        Assert.That(sent.Request.AlreadyEnded, Is.EqualTo("run a already ended (ABORTED)"));
        Assert.That(sent.FilePath, Is.Null);
        Assert.That(File.Exists(Path.Combine(db.RunsDirectory, ".stop_executor")), Is.False);
        Assert.That(db.Scalar("SELECT count(*) FROM control_requests"), Is.Zero);
    }
}
