using Autopack.Domain.Plans;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>
/// A stale owner can never write: an executor frozen (SIGSTOP) past the stale limit loses its run to another
/// executor; resumed (SIGCONT) in the middle of its builder turn, every write it attempts is refused.
/// </summary>
public class FrozenExecutorProcessTests
{
    [Test]
    public async Task FrozenPastTheStaleLimit_TakenOverThenResumed_WritesNothing()
    {
        using var s = new ExecutorScenario();
        var plan = new PlanBuilder("freeze-1")
            .Phase("freeze-1-a", verify: "true", edits: [new OfflineEdit("a.txt", Content: "a\n")])
            .Phase("freeze-1-b", verify: "true", edits: [new OfflineEdit("b.txt", Content: "b\n")])
            .Build();
        var runId = await s.Db.CreateRunAsync(plan);
        using var frozen = s.StartExecutor(runId, offlineLatencyMs: 3_000);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("freeze-1-a") == "EXECUTING", TimeSpan.FromSeconds(30)), Is.True, frozen.Output + frozen.Error);

        frozen.Freeze();

        // Its heartbeat ages past AUTOPACK_LEASE_STALE_SECONDS (3 s here); the process is alive, so only staleness frees the run.
        Assert.That(await Eventually.TrueAsync(
            () => s.Db.Scalar("SELECT count(*) FROM executor_leases WHERE (julianday('now') - julianday(heartbeat_at)) * 86400 > 4") == 1,
            TimeSpan.FromSeconds(30)), Is.True);
        var (code, _, error) = await AutopackProcess.RunAsync(s.Db.FolderPath, s.Environment(), TimeSpan.FromSeconds(90), "execute", "--run-id", runId);
        Assert.That(code, Is.Zero, error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        var worktree = Path.Combine(s.RunsDirectory, runId, "workspace");
        var before = Snapshot(s, worktree);

        frozen.Resume();

        Assert.That(await frozen.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True, "the resumed executor gives up");
        Assert.Multiple(() =>
        {
            Assert.That(frozen.ExitCode, Is.Not.Zero, "it did not finish the run it lost");
            Assert.That(Snapshot(s, worktree), Is.EqualTo(before), "no state, usage, reservation, event or commit written after the takeover");
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'lease_taken_over'"), Is.EqualTo(1));
        });
    }

    private static string Snapshot(ExecutorScenario s, string worktree) => string.Join(
        " | ",
        s.Db.Scalar("SELECT count(*) FROM events"),
        s.Db.Scalar("SELECT count(*) FROM llm_usage_events"),
        s.Db.Scalar("SELECT count(*) FROM token_reservations"),
        s.Text("SELECT group_concat(phase_id || ':' || status || ':' || attempts || ':' || coalesce(commit_sha, ''), ',') FROM phases"),
        s.Text("SELECT status || ':' || coalesce(finished_at, '') FROM runs"),
        s.Db.Scalar("SELECT count(*) FROM executor_leases"),
        GitRepository.Run(worktree, "rev-parse", "HEAD").Trim(),
        GitRepository.Run(worktree, "status", "--porcelain", "--untracked-files=all"));
}
