using Autopack.Storage.Runtime;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Running;

public class RunDriverTests
{
    [Test]
    public async Task Execute_OfflinePlan_EndsDoneSuccessWithUsageAndHistory()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("ok-1").Phase("ok-1-a", verify: "true").Phase("ok-1-b").Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        Assert.That(s.PhaseStatus("ok-1-a"), Is.EqualTo("COMPLETE"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE run_id='ok-1' AND role='builder'"), Is.EqualTo(2));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE run_id='ok-1' AND role='auditor'"), Is.EqualTo(2));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM executor_leases"), Is.Zero, "lease released at the end");
        var history = new BuildHistoryLedger(s.HistoryPath).ReadEntries();
        Assert.That(history.Select(e => e.Header), Has.One.Contains("ok-1 DONE_SUCCESS"));
        Assert.That(File.Exists(Path.Combine(s.RunsDirectory, "ok-1", "executor.log")), Is.True);
    }

    [Test]
    public async Task Execute_AuditorRejectsTwice_ThirdAttemptApprovedWithRejectionPassedOn()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("rej-1").Phase("rej-1-a", maxAttempts: 3, offlineRejections: 2).Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.Text("SELECT attempts FROM phases WHERE phase_id='rej-1-a'"), Is.EqualTo("3"));
        var thirdPrompt = await File.ReadAllTextAsync(Path.Combine(s.RunsDirectory, "rej-1", "phases", "rej-1-a", "attempt-3.transcript.jsonl"));
        Assert.That(thirdPrompt, Does.Contain("rejected"), "the builder's next attempt sees the rejection");
    }

    [Test]
    public async Task Execute_VerifyAlwaysFails_PhaseFailsAfterMaxAttemptsAndRunDoneFailed()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("vf-1").Phase("vf-1-a", maxAttempts: 2, verify: "echo broken >&2; exit 3").Phase("vf-1-b").Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Not.Zero);
        Assert.That(outcome.Message, Does.Contain("exited 3"));
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_FAILED"));
        Assert.That(s.PhaseStatus("vf-1-a"), Is.EqualTo("FAILED"));
        Assert.That(s.PhaseStatus("vf-1-b"), Is.EqualTo("SKIPPED"));
        Assert.That(s.Text("SELECT attempts FROM phases WHERE phase_id='vf-1-a'"), Is.EqualTo("2"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE phase_id='vf-1-a' AND role='auditor'"), Is.Zero, "a failed verify skips the auditor");
        var log = await File.ReadAllTextAsync(Path.Combine(s.RunsDirectory, "vf-1", "phases", "vf-1-a", "attempt-1.verify.log"));
        Assert.That(log, Does.Contain("broken"));
    }

    [Test]
    public async Task Execute_VerifyRunsInWorkspace()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("ws-1").Phase("ws-1-a", verify: "pwd > where.txt").Build());

        await s.ExecuteInProcessAsync(runId);

        var workspace = Path.Combine(s.RunsDirectory, "ws-1", "workspace");
        Assert.That((await File.ReadAllTextAsync(Path.Combine(workspace, "where.txt"))).Trim(), Is.EqualTo(workspace));
    }

    [Test]
    public async Task Execute_PhaseCapTooSmall_PhaseBudgetExceededRunDoneFailed()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("pb-1").Phase("pb-1-a", cap: 50).Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(s.PhaseStatus("pb-1-a"), Is.EqualTo("BUDGET_EXCEEDED"));
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_FAILED"));
        Assert.That(outcome.ExitCode, Is.Not.Zero);
        Assert.That(s.Db.Scalar("SELECT coalesce(sum(prompt_tokens+completion_tokens),0) FROM llm_usage_events WHERE phase_id='pb-1-a'"), Is.LessThanOrEqualTo(50));
    }

    [Test]
    public async Task Execute_RunCapExhausted_RunBudgetExceededWithReason()
    {
        using var s = new ExecutorScenario();
        // A phase costs ~900 tokens here (one builder turn with the tool definitions, one auditor call): the cap runs out in the third.
        const long cap = 1_800;
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("rb-1", runCap: cap).Phase("rb-1-a").Phase("rb-1-b").Phase("rb-1-c").Build());

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(s.RunStatus(runId), Is.EqualTo("BUDGET_EXCEEDED"));
        Assert.That(s.Text("SELECT failure_reason FROM runs WHERE run_id='rb-1'"), Does.Contain("run budget"));
        Assert.That(outcome.ExitCode, Is.Not.Zero);
        Assert.That(s.PhaseStatus("rb-1-a"), Is.EqualTo("COMPLETE"), "the cap ran out part-way, not at the first call");
        Assert.That(s.Db.Scalar("SELECT sum(prompt_tokens+completion_tokens) FROM llm_usage_events WHERE run_id='rb-1'"), Is.LessThanOrEqualTo(cap));
    }

    [Test]
    public async Task Execute_UnknownRun_ExitCodeNotFound()
    {
        using var s = new ExecutorScenario();

        var outcome = await s.ExecuteInProcessAsync("no-such-run");

        Assert.That(outcome.ExitCode, Is.EqualTo(4));
        Assert.That(outcome.Message, Does.Contain("not found"));
    }

    [Test]
    public async Task Execute_RunAlreadyDone_ExitsZeroWithoutWriting()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("done-1").Phase().Build());
        await s.ExecuteInProcessAsync(runId);
        var events = s.Db.Scalar("SELECT count(*) FROM events");

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero);
        Assert.That(outcome.Message, Does.Contain("already ended"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events"), Is.EqualTo(events));
    }
}
