using Autopack.Api.Control;
using Autopack.Storage;
using Autopack.Storage.Queue;
using Autopack.Storage.Runtime;
using Autopack.Testing;

namespace Autopack.Worker.Tests.Processes;

/// <summary>
/// The queue's controls against a real <c>autopack worker</c>: pause, resume with limit 1, drain (with an operator's
/// stop meanwhile), and SIGTERM, which puts the run it paused back in the queue. Changes are made through
/// <see cref="QueueControl"/>, the code the CLI and the API call; drain and status through the real CLI. On SQLite and
/// on PostgreSQL, the test's SQL valid on both.
/// </summary>
public class QueueControlProcessTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    [TestCase(WorkerScenario.Sqlite)]
    [TestCase(WorkerScenario.Postgres)]
    public async Task Worker_PauseResumeLimitOneDrainAndSigterm_EachControlHolds(string engine)
    {
        using var s = new WorkerScenario(engine);
        var control = new QueueControl(s.Database, TimeProvider.System);
        string[] limited = ["lim-1", "lim-2"];
        foreach (var id in limited)
        {
            await s.CreateRunAsync(new PlanBuilder(id).Phase($"{id}-a", verify: s.Verify(id)).Build());
        }

        // Pause: the worker looks, and claims nothing.
        await control.UpdateAsync(new QueueChange(Dispatch: false), "test");
        using var worker = s.StartWorker(concurrency: 2, offlineLatencyMs: 200);
        Assert.That(await worker.WaitForOutputAsync(o => o.Contains("not claiming: dispatch is paused", StringComparison.Ordinal), Long), Is.True, worker.Output + worker.Error);
        Assert.That(s.Scalar("SELECT count(*) FROM run_claims"), Is.Zero);
        Assert.That(s.Column("SELECT status FROM runs"), Has.All.EqualTo("QUEUED"));

        // Resume with executing_limit 1: the queue drains one run at a time, though the worker has two slots.
        await control.UpdateAsync(new QueueChange(Dispatch: true, ChangeLimit: true, ExecutingLimit: 1), "test");
        using (var sampler = new QueueSampler(s))
        {
            Assert.That(
                await WorkerScenario.WaitUntilAsync(() => s.Scalar("SELECT count(*) FROM runs WHERE status = 'DONE_SUCCESS'") == limited.Length, Long),
                Is.True,
                worker.Output);
            var (maxExecuting, maxClaims, samples) = await sampler.StopAsync();
            Assert.That(samples, Is.GreaterThan(10), "sampled throughout");
            Assert.That(maxExecuting, Is.EqualTo(1), "never more than one EXECUTING");
            Assert.That(maxClaims, Is.EqualTo(1), "never more than one run claimed");
        }

        Assert.That(worker.Output, Does.Contain("not claiming: executing_limit 1 reached"), "the second slot asked and was refused");

        // The events trail in commit order: each run went EXECUTING and ended before the next one started.
        var transitions = s.Column("SELECT run_id || ' ' || message FROM events WHERE kind = 'run_status' AND run_id LIKE 'lim-%' ORDER BY id");
        Assert.That(transitions, Has.Count.EqualTo(2 * limited.Length));
        for (var i = 0; i < transitions.Count; i += 2)
        {
            var run = transitions[i].Split(' ')[0];
            Assert.That(transitions[i], Is.EqualTo($"{run} QUEUED -> EXECUTING"));
            Assert.That(transitions[i + 1], Is.EqualTo($"{run} EXECUTING -> DONE_SUCCESS"));
        }

        // And the verify records agree: no two runs' verify commands overlapped.
        var windows = s.VerifyWindows().OrderBy(w => w.StartNs).ToList();
        Assert.That(windows, Has.Count.EqualTo(limited.Length));
        for (var i = 1; i < windows.Count; i++)
        {
            Assert.That(windows[i].StartNs, Is.GreaterThanOrEqualTo(windows[i - 1].EndNs!.Value), $"{windows[i - 1]} and {windows[i]}");
        }

        // Drain while two runs execute: both finish (one is stopped by an operator on the way), a run queued meanwhile never starts.
        await control.UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: null), "test");
        await s.CreateRunAsync(new PlanBuilder("drain-1").Phase("drain-1-a").Phase("drain-1-b").Build());
        await s.CreateRunAsync(new PlanBuilder("drain-2").Phase("drain-2-a").Phase("drain-2-b").Phase("drain-2-c").Phase("drain-2-d").Build());
        Assert.That(await WorkerScenario.WaitUntilAsync(() => s.Scalar("SELECT count(*) FROM runs WHERE run_id LIKE 'drain-%' AND status = 'EXECUTING'") == 2, Long), Is.True, worker.Output);
        var drain = await AutopackProcess.RunAsync(s.FolderPath, s.Environment(0), Long, "drain");
        Assert.That(drain.ExitCode, Is.Zero, drain.Error);
        Assert.That(drain.Output, Does.StartWith("mode DRAINING: nothing new starts;"));
        await s.CreateRunAsync(new PlanBuilder("late-1").Phase("late-1-a").Phase("late-1-b").Phase("late-1-c").Build());
        var settings = new StorageSettings { LeaseStaleSeconds = 5 };
        await new ControlRequestSender(new ControlRequests(s.Database, TimeProvider.System, settings), new RuntimeFolder(s.RunsDirectory))
            .SendAsync(new ControlCommand(ControlKind.Stop, "drain-2"), ControlSource.Cli);

        var reader = new QueueReader(s.Database, TimeProvider.System);
        Assert.That(
            await WorkerScenario.WaitUntilAsync(() => reader.ReadAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult().Drained, Long),
            Is.True,
            worker.Output);
        Assert.Multiple(() =>
        {
            Assert.That(s.Text("SELECT status FROM runs WHERE run_id = 'drain-1'"), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(s.Text("SELECT status FROM runs WHERE run_id = 'drain-2'"), Is.EqualTo("PAUSED"));
            Assert.That(s.Text("SELECT status FROM runs WHERE run_id = 'late-1'"), Is.EqualTo("QUEUED"));
            Assert.That(s.Scalar("SELECT count(*) FROM run_claims WHERE run_id = 'late-1'"), Is.Zero, "nothing new starts while DRAINING");
            Assert.That(worker.Output, Does.Contain("not claiming: the queue is DRAINING"));
        });
        var status = await AutopackProcess.RunAsync(s.FolderPath, s.Environment(0), Long, "queue", "status");
        Assert.That(status.ExitCode, Is.Zero, status.Error);
        Assert.That(status.Output, Does.Contain("mode:              DRAINING (drained: nothing executing)").And.Contain("queued:            1 "));

        // Back to NORMAL: the late run starts; SIGTERM to the worker pauses it and puts it back in the queue, while
        // the run the operator stopped stays PAUSED.
        var cancel = await AutopackProcess.RunAsync(s.FolderPath, s.Environment(0), Long, "drain", "--cancel");
        Assert.That(cancel.ExitCode, Is.Zero, cancel.Error);
        Assert.That(
            await WorkerScenario.WaitUntilAsync(() => s.Scalar("SELECT count(*) FROM phases WHERE run_id = 'late-1' AND status <> 'QUEUED'") > 0, Long),
            Is.True,
            worker.Output);
        worker.Terminate();
        Assert.That(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(worker.ExitCode, Is.Zero, worker.Error);
            Assert.That(worker.Output, Does.Contain("1 requeued on stop"));
            Assert.That(s.Text("SELECT status FROM runs WHERE run_id = 'late-1'"), Is.EqualTo("QUEUED"), "paused by the worker's shutdown: back in the queue");
            Assert.That(s.Text("SELECT outcome FROM run_claims WHERE run_id = 'late-1'"), Is.EqualTo("exit 0: run PAUSED -> QUEUED (the worker stopped it)"));
            Assert.That(s.Text("SELECT status FROM runs WHERE run_id = 'drain-2'"), Is.EqualTo("PAUSED"), "an operator's stop holds");
            Assert.That(s.Scalar("SELECT count(*) FROM workers"), Is.Zero, "a stopped worker removes itself");
            Assert.That(s.Scalar("SELECT count(*) FROM run_claims WHERE released_at IS NULL"), Is.Zero);
        });
    }

    /// <summary>Samples the EXECUTING runs and the open claims every 50 ms until stopped, keeping the largest of each.</summary>
    private sealed class QueueSampler : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task<(long, long, int)> loop;

        public QueueSampler(WorkerScenario s)
        {
            loop = Task.Run(async () =>
            {
                long maxExecuting = 0, maxClaims = 0;
                var samples = 0;
                while (!stop.IsCancellationRequested)
                {
                    maxExecuting = Math.Max(maxExecuting, s.Scalar("SELECT count(*) FROM runs WHERE status = 'EXECUTING'"));
                    maxClaims = Math.Max(maxClaims, s.Scalar("SELECT count(*) FROM run_claims WHERE released_at IS NULL"));
                    samples++;
                    await Task.Delay(50);
                }

                return (maxExecuting, maxClaims, samples);
            });
        }

        public async Task<(long MaxExecuting, long MaxClaims, int Samples)> StopAsync()
        {
            await stop.CancelAsync();
            return await loop;
        }

        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }
}
