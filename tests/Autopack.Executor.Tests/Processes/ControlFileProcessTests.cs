using System.Diagnostics;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>The control files against a real `autopack execute` process, written the way operators write them (echo).</summary>
[Parallelizable(ParallelScope.Children)]
public class ControlFileProcessTests
{
    [Test]
    public Task StopFile_PausesRunAndExitsZero_ThenExecuteAgainFinishes() => ExecutorControlScenarios.StopFileThenExecuteAgainAsync("stop-1", program: null);

    [Test]
    public async Task AbortFile_MidSlowProviderCall_AbortsBeforeTheCallEnds()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("abort-1").Phase("abort-1-a").Phase("abort-1-b").Build());
        using var executor = s.StartExecutor(runId, 30_000);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("abort-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);
        var call = Stopwatch.StartNew(); // the 30 s provider call started before the phase showed EXECUTING
        await Task.Delay(300); // well inside the 30 s provider call

        await OperatorShell.Echo($"abort:{runId}", Path.Combine(s.RunsDirectory, ".abort_run"));
        var aborted = await Eventually.TrueAsync(() => s.RunStatus(runId) == "ABORTED", TimeSpan.FromSeconds(20));

        // Latency is measured in bench/ (Autopack.Bench.Processes); here only that it cut the call short.
        Assert.That(aborted, Is.True, executor.Output + executor.Error);
        Assert.That(call.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the abort took effect before the provider call would have ended");
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(executor.ExitCode, Is.Zero);
        Assert.That(s.PhaseStatus("abort-1-b"), Is.EqualTo("SKIPPED"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero, "the cancelled call's reservation is released");
    }

    [Test]
    public async Task TimeoutFile_MidSlowProviderCall_PhaseTimedOutBeforeTheCallEndsThenRetried()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("to-1").Phase("to-1-a", maxAttempts: 2).Build());
        using var executor = s.StartExecutor(runId, 30_000);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("to-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);
        var call = Stopwatch.StartNew(); // the 30 s provider call started before the phase showed EXECUTING
        await Task.Delay(300);

        await OperatorShell.Echo("timeout:to-1-a", Path.Combine(s.RunsDirectory, ".force_timeout"));
        var timedOut = await Eventually.TrueAsync(
            () => s.Db.Scalar("SELECT count(*) FROM events WHERE phase_id='to-1-a' AND message LIKE '% -> TIMED_OUT%'") == 1, TimeSpan.FromSeconds(20));

        Assert.That(timedOut, Is.True, executor.Output + executor.Error);
        Assert.That(call.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the timeout took effect before the provider call would have ended");
        Assert.That(await Eventually.TrueAsync(() => s.Text("SELECT attempts FROM phases WHERE phase_id='to-1-a'") == "2", TimeSpan.FromSeconds(5)), Is.True, "the retry policy starts attempt 2");
        await OperatorShell.Echo($"abort:{runId}", Path.Combine(s.RunsDirectory, ".abort_run"));
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public async Task CommandForAnotherRun_IsLeftAlone_MalformedIsConsumedAndRecorded()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("mine-1").Phase("mine-1-a").Build());
        var stopFile = Path.Combine(s.RunsDirectory, ".stop_executor");
        var abortFile = Path.Combine(s.RunsDirectory, ".abort_run");
        using var executor = s.StartExecutor(runId, 30_000);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("mine-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        await OperatorShell.Echo("stop:other-run", stopFile);
        await OperatorShell.Echo("abort me please", abortFile);

        Assert.That(await Eventually.TrueAsync(() => !File.Exists(abortFile), TimeSpan.FromSeconds(5)), Is.True, "malformed content is consumed");
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind='control_malformed'"), Is.EqualTo(1));
        Assert.That(File.ReadAllText(stopFile).Trim(), Is.EqualTo("stop:other-run"), "another run's command is left for its executor");
        Assert.That(executor.HasExited, Is.False, "neither command stopped this executor");
        Assert.That(s.RunStatus(runId), Is.EqualTo("EXECUTING"));

        await OperatorShell.Echo($"abort:{runId}", abortFile);
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public Task Sigterm_MidCall_IsAGracefulStop_RunPausedExitZero() => ExecutorControlScenarios.SigtermMidCallAsync("term-1", program: null);

    [Test]
    public async Task CliStopCommand_WritesTheSameFile_ExecutorPauses()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("cli-1").Phase("cli-1-a").Build());
        using var executor = s.StartExecutor(runId, 30_000);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("cli-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        var (code, output, error) = await AutopackProcess.RunAsync(s.Db.FolderPath, s.Environment(), TimeSpan.FromSeconds(30), "runs", "stop", runId);

        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain($"stop:{runId}"));
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
    }
}
