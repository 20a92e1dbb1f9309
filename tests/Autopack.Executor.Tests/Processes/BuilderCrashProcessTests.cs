using Autopack.Domain.Plans;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>kill -9 of a real executor in the middle of a builder attempt, with half-made edits in the worktree.</summary>
public class BuilderCrashProcessTests
{
    [Test]
    public async Task KillNine_DuringABuilderTurn_NextExecuteStartsFromACleanWorktreeAndFinishes()
    {
        using var s = new ExecutorScenario();
        var repo = GitRepository.Create(Path.Combine(s.Db.FolderPath, "repo"), new Dictionary<string, string> { ["app.txt"] = "v1\n" });
        var plan = new PlanBuilder("kill-1")
            .Phase("kill-1-a", verify: "test \"$(cat app.txt)\" = v2", edits:
            [
                new OfflineEdit("first.txt", Content: "one\n"),
                new OfflineEdit("app.txt", Old: "v1", New: "v2"),
                new OfflineEdit("second.txt", Content: "two\n"),
            ])
            .Build();
        var runId = await s.Db.CreateRunAsync(plan, origin: new Autopack.Storage.Runs.WorkspaceOrigin(repo.Path, repo.Head()));
        var worktree = Path.Combine(s.RunsDirectory, runId, "workspace");

        // Slow turns: the executor is killed after its first edit is on disk and before the phase is done.
        using (var executor = s.StartExecutor(runId, offlineLatencyMs: 1_500))
        {
            Assert.That(await Eventually.TrueAsync(() => File.Exists(Path.Combine(worktree, "first.txt")), TimeSpan.FromSeconds(60)), Is.True, executor.Output + executor.Error);
            executor.Kill();
            await executor.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.That(s.PhaseStatus("kill-1-a"), Is.EqualTo("EXECUTING"), "killed mid-attempt");

        // What a crash leaves: the builder's first edit, and debris nobody committed.
        File.WriteAllText(Path.Combine(worktree, "debris.txt"), "half-made\n");
        File.WriteAllText(Path.Combine(worktree, "app.txt"), "garbage\n");

        var (code, _, error) = await AutopackProcess.RunAsync(s.Db.FolderPath, s.Environment(), TimeSpan.FromSeconds(90), "execute", "--run-id", runId);

        Assert.That(code, Is.Zero, error);
        var files = repo.Git("ls-tree", "-r", "--name-only", "autopack/kill-1").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(s.Text("SELECT attempts FROM phases WHERE phase_id='kill-1-a'"), Is.EqualTo("1"), "the interrupted attempt was not counted");
            Assert.That(files, Is.EquivalentTo(new[] { "app.txt", "first.txt", "second.txt" }), "no debris reached the commit");
            Assert.That(repo.Git("show", "autopack/kill-1:app.txt"), Is.EqualTo("v2\n"));
            Assert.That(repo.Log($"{repo.Head()}..autopack/kill-1"), Has.Count.EqualTo(1));
            Assert.That(File.Exists(Path.Combine(worktree, "debris.txt")), Is.False);
        });
    }
}
