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
    private Scenario s = null!;

    [SetUp]
    public async Task SetUp() => s = await Scenario.StartAsync("a", "b");

    [TearDown]
    public void TearDown() => s.Dispose();

    [Test]
    public async Task SendAsync_StopsForTwoRunsInQuickSuccession_BothRowsKeptWhateverTheFileHolds()
    {
        await s.Sender.SendAsync(new ControlCommand(ControlKind.Stop, "a"), ControlSource.Cli);
        await s.Sender.SendAsync(new ControlCommand(ControlKind.Stop, "b"), ControlSource.Api);

        var pending = new ControlRequestStore(s.Db.Database, s.Time);
        Assert.That(File.ReadAllText(s.ControlFile(".stop_executor")), Is.EqualTo("stop:b\n"), "the one shared file holds the last");
        Assert.That((await pending.PendingAsync("a")).Select(r => (r.Kind, r.Source)), Is.EqualTo(new[] { ("stop", "cli") }));
        Assert.That((await pending.PendingAsync("b")).Select(r => (r.Kind, r.Source)), Is.EqualTo(new[] { ("stop", "api") }));
    }

    [Test]
    public async Task SendAsync_AbortPausedRunWhoseExecutorIsStale_AbortedAtOnceWithoutAFile()
    {
        var states = new RunStateWriter(s.Db.Database, s.Time);
        await states.TransitionRunAsync("a", RunStatus.Executing);
        await states.TransitionRunAsync("a", RunStatus.Paused);
        await new ExecutorLeases(s.Db.Database, s.Time).TryAcquireAsync("a", "dead-owner", 1, "h", TimeSpan.FromSeconds(15));
        s.Time.Advance(TimeSpan.FromSeconds(16));

        var sent = await s.Sender.SendAsync(new ControlCommand(ControlKind.Abort, "a"), ControlSource.Api);

        Assert.That((sent.Request.EndedNow, sent.FilePath), Is.EqualTo((true, (string?)null)));
        Assert.That(File.Exists(s.ControlFile(".abort_run")), Is.False, "no executor is left to consume it");
        Assert.That(s.Db.Scalar("SELECT count(*) FROM runs WHERE run_id='a' AND status='ABORTED'"), Is.EqualTo(1));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM control_requests WHERE run_id='a' AND handled_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_AbortQueuedRunWithFreshLease_LeftForItsExecutor()
    {
        await new ExecutorLeases(s.Db.Database, s.Time).TryAcquireAsync("a", "live-owner", 1, "h", TimeSpan.FromSeconds(15));
        s.Time.Advance(TimeSpan.FromSeconds(5));

        var sent = await s.Sender.SendAsync(new ControlCommand(ControlKind.Abort, "a"), ControlSource.Cli);

        Assert.That(sent.Request.EndedNow, Is.False);
        Assert.That(File.ReadAllText(sent.FilePath!), Is.EqualTo("abort:a\n"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM runs WHERE run_id='a' AND status='QUEUED'"), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_RunAlreadyEnded_NeitherStoredNorWritten()
    {
        await new RunStateWriter(s.Db.Database, s.Time).TransitionRunAsync("a", RunStatus.Aborted, "aborted by operator");

        var sent = await s.Sender.SendAsync(new ControlCommand(ControlKind.Stop, "a"), ControlSource.Api);

        Assert.That(sent.Request.AlreadyEnded, Is.EqualTo("run a already ended (ABORTED)"));
        Assert.That(sent.FilePath, Is.Null);
        Assert.That(File.Exists(s.ControlFile(".stop_executor")), Is.False);
        Assert.That(s.Db.Scalar("SELECT count(*) FROM control_requests"), Is.Zero);
    }

    /// <summary>A migrated database holding one-phase runs, a clock stopped at a known instant, and the sender over both.</summary>
    private sealed class Scenario : IDisposable
    {
        private Scenario()
        {
            Sender = new ControlRequestSender(new ControlRequests(Db.Database, Time, new StorageSettings { LeaseStaleSeconds = 15 }), new RuntimeFolder(Db.RunsDirectory));
        }

        public TestDatabase Db { get; } = new();

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 21, 0, 0, TimeSpan.Zero));

        public ControlRequestSender Sender { get; }

        public static async Task<Scenario> StartAsync(params string[] runIds)
        {
            var scenario = new Scenario();
            foreach (var runId in runIds)
            {
                await scenario.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-p").Build(), scenario.Time);
            }

            return scenario;
        }

        public string ControlFile(string name) => Path.Combine(Db.RunsDirectory, name);

        public void Dispose() => Db.Dispose();
    }
}
