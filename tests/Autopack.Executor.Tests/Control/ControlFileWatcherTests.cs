using Autopack.Executor.Control;
using Autopack.Executor.Hosting;
using Autopack.Storage.Events;
using Autopack.Storage.Runtime;
using Autopack.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autopack.Executor.Tests.Control;

/// <summary>The watcher on its own: real files in a real runtime folder, the inbox on a migrated SQLite file.</summary>
public sealed class ControlFileWatcherTests
{
    [Test]
    public async Task StopFile_WhileWatching_StopsTheRunThroughTheInbox()
    {
        using var scenario = new ExecutorScenario();
        await using var watching = await Watching.StartAsync(scenario, "cfw-run");

        await File.WriteAllTextAsync(watching.Runtime.ControlFilePath(ControlKind.Stop), "stop:cfw-run\n");

        Assert.That(await Eventually.TrueAsync(() => watching.Control.Request == ControlRequest.Stop, TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(File.Exists(watching.Runtime.ControlFilePath(ControlKind.Stop)), Is.False, "the file is consumed");
    }

    /// <summary>
    /// Stopping wakes the wait for the next change rather than cancelling it: a cancelled SemaphoreSlim wait throws an
    /// exception whose file-and-line stack trace is read from the PDBs, a cost paid at every executor's exit.
    /// </summary>
    [Test]
    public async Task StopAsync_WhileWaitingForAChange_EndsTheLoopWithoutAnException()
    {
        using var scenario = new ExecutorScenario();
        var watching = await Watching.StartAsync(scenario, "cfw-run");
        await File.WriteAllTextAsync(watching.Runtime.ControlFilePath(ControlKind.Timeout), "timeout:cfw-run-p1\n");
        Assert.That(await Eventually.TrueAsync(() => !File.Exists(watching.Runtime.ControlFilePath(ControlKind.Timeout)), TimeSpan.FromSeconds(5)), Is.True, "the loop is running");

        using (var thrown = FirstChanceExceptions.Cancellations(nameof(SemaphoreSlim), nameof(ControlFileWatcher)))
        {
            await watching.DisposeAsync();
            Assert.That(thrown.Thrown, Is.Empty);
        }

        Assert.That(watching.Completed, Is.True, "the loop ended");
    }

    private sealed class Watching : IAsyncDisposable
    {
        private readonly ControlFileWatcher watcher;
        private readonly ControlInbox inbox;
        private bool disposed;

        private Watching(ControlFileWatcher watcher, ControlInbox inbox, RuntimeFolder runtime, RunControl control)
        {
            this.watcher = watcher;
            this.inbox = inbox;
            Runtime = runtime;
            Control = control;
        }

        public RuntimeFolder Runtime { get; }

        public RunControl Control { get; }

        public bool Completed => watcher.ExecuteTask is { IsCompletedSuccessfully: true };

        public static async Task<Watching> StartAsync(ExecutorScenario scenario, string runId)
        {
            await scenario.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-p1").Build());
            var time = TimeProvider.System;
            var runtime = new RuntimeFolder(scenario.RunsDirectory);
            Directory.CreateDirectory(runtime.RunFolder(runId));
            var control = new RunControl();
            control.MarkLeaseHeld([$"{runId}-p1"]);
            var inbox = new ControlInbox(
                runtime,
                control,
                new ControlRequestStore(scenario.Db.Database, time),
                new EventLog(scenario.Db.Database, time),
                ExecutorIdentity.ForCurrentProcess(runId),
                time,
                NullLogger<ControlInbox>.Instance);
            var watcher = new ControlFileWatcher(runtime, control, inbox, time, NullLogger<ControlFileWatcher>.Instance);
            await watcher.StartAsync(CancellationToken.None);
            return new Watching(watcher, inbox, runtime, control);
        }

        public async ValueTask DisposeAsync()
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            try
            {
                await watcher.StopAsync(CancellationToken.None);
            }
            finally
            {
                watcher.Dispose();
                inbox.Dispose();
                Control.Dispose();
            }
        }
    }
}
