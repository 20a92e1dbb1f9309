using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>
/// Operator control of a real <c>autopack execute</c> process, for any executor program: the built autopack.dll
/// (<c>program</c> null) or a published one such as the native front.
/// </summary>
internal static class ExecutorControlScenarios
{
    private const int SlowCallMs = 4000;

    /// <summary>`echo stop:run > .stop_executor` mid-call pauses the run and the executor exits 0; a second execute finishes it.</summary>
    public static async Task StopFileThenExecuteAgainAsync(string runId, string? program)
    {
        using var s = new ExecutorScenario();
        await s.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-a").Phase($"{runId}-b").Build());
        using (var executor = s.StartExecutor(runId, SlowCallMs, program))
        {
            Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus($"{runId}-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);
            await OperatorShell.Echo($"stop:{runId}", Path.Combine(s.RunsDirectory, ".stop_executor"));

            Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.True, "executor exits after a stop");
            Assert.That(executor.ExitCode, Is.Zero, executor.Error);
        }

        Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
        Assert.That(s.PhaseStatus($"{runId}-a"), Is.EqualTo("QUEUED"));
        Assert.That(s.Text($"SELECT attempts FROM phases WHERE phase_id='{runId}-a'"), Is.EqualTo("0"), "an interrupted attempt is not used up");
        Assert.That(File.Exists(Path.Combine(s.RunsDirectory, ".stop_executor")), Is.False, "the handled command is consumed");
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM events WHERE kind='control_command' AND message LIKE 'stop:{runId}%'"), Is.EqualTo(1));

        var (code, _, error) = await AutopackProcess.RunProgramAsync(program, s.Db.FolderPath, s.Environment(), TimeSpan.FromSeconds(60), "execute", "--run-id", runId);
        Assert.That(code, Is.Zero, error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
    }

    /// <summary>SIGTERM mid-call is a graceful stop: the run paused, the lease released, exit 0.</summary>
    public static async Task SigtermMidCallAsync(string runId, string? program)
    {
        using var s = new ExecutorScenario();
        await s.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-a").Build());
        using var executor = s.StartExecutor(runId, 30_000, program);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus($"{runId}-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);

        executor.Terminate();

        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(executor.ExitCode, Is.Zero, executor.Output + executor.Error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM executor_leases"), Is.Zero, "the lease is released on the way out");
    }
}
