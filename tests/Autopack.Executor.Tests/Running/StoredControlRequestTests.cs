using Autopack.Domain.Runs;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Autopack.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autopack.Executor.Tests.Running;

/// <summary>Stored control requests as the executor host (in this process) reads them before it starts a phase.</summary>
public class StoredControlRequestTests
{
    [Test]
    public async Task Execute_StopStoredBeforeTheRunWasPaused_SatisfiedByThatPauseAndTheResumeFinishes()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("sat-1").Phase("sat-1-a").Build());
        var states = new RunStateWriter(s.Db.Database, TimeProvider.System);
        await states.TransitionRunAsync(runId, RunStatus.Executing);

        // The stop was stored a minute before the run became PAUSED (its executor ended before it read the row).
        var earlier = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMinutes(-1));
        var requests = new ControlRequests(s.Db.Database, earlier, s.Settings().Storage);
        await requests.RequestAsync(new ControlCommand(ControlKind.Stop, runId), ControlSource.Cli);
        await states.TransitionRunAsync(runId, RunStatus.Paused, "stopped by operator");

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"), "a stop the pause already honoured does not pause the resume");
        Assert.That(s.Text($"SELECT outcome FROM control_requests WHERE run_id='{runId}'"), Does.StartWith("no effect"));
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM events WHERE run_id='{runId}' AND kind='control_command'"), Is.EqualTo(1), "handled and recorded once");
    }

    [Test]
    public async Task Execute_StopStoredWhilePaused_HoldsTheRunWithoutAPhase()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("hold-1").Phase("hold-1-a").Build());
        var states = new RunStateWriter(s.Db.Database, TimeProvider.System);
        await states.TransitionRunAsync(runId, RunStatus.Executing);
        var earlier = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMinutes(-1));
        await new RunStateWriter(s.Db.Database, earlier).TransitionRunAsync(runId, RunStatus.Paused, "stopped by operator");
        await new ControlRequests(s.Db.Database, TimeProvider.System, s.Settings().Storage)
            .RequestAsync(new ControlCommand(ControlKind.Stop, runId), ControlSource.Api);

        // The file the API writes after storing the row (ControlRequestSender), as an operator's echo would.
        Directory.CreateDirectory(s.RunsDirectory);
        await File.WriteAllTextAsync(Path.Combine(s.RunsDirectory, ".stop_executor"), $"stop:{runId}\n");

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
        Assert.That(s.PhaseStatus("hold-1-a"), Is.EqualTo("QUEUED"));
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM events WHERE run_id='{runId}' AND kind='phase_status'"), Is.Zero, "no phase was started");
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM control_requests WHERE run_id='{runId}' AND handled_at IS NULL"), Is.Zero, "the stop is consumed");
        Assert.That(File.Exists(Path.Combine(s.RunsDirectory, ".stop_executor")), Is.False, "its file too");
    }

    [Test]
    public async Task Execute_AbortHandledByAnExecutorThatDiedBeforeRecordingIt_EndsTheRunAbortedWithoutAPhase()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("lost-1").Phase("lost-1-a").Build());
        await new RunStateWriter(s.Db.Database, TimeProvider.System).TransitionRunAsync(runId, RunStatus.Executing);
        await new ControlRequests(s.Db.Database, TimeProvider.System, s.Settings().Storage)
            .RequestAsync(new ControlCommand(ControlKind.Abort, runId), ControlSource.Cli);

        // The previous executor acted on the abort (row handled, file consumed) and was killed before ABORTED was written.
        var store = new ControlRequestStore(s.Db.Database, TimeProvider.System);
        var request = (await store.PendingAsync(runId)).Single();
        Assert.That(await store.MarkHandledAsync(request.Id, "executor pid 1 on elsewhere", "aborting now", "abort: aborting now"), Is.True);

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.RunStatus(runId), Is.EqualTo("ABORTED"), "an abort once accepted is never lost");
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM events WHERE run_id='{runId}' AND kind='phase_status' AND message LIKE '%EXECUTING%'"), Is.Zero, "no phase was started");
    }
}
