using Autopack.Cli.Commands;
using Autopack.Domain.Plans;
using Autopack.Storage.Runs;
using Autopack.Testing;
using Autopack.Workspace.Processes;

namespace Autopack.Executor.Tests.Workspace;

/// <summary>Runs that really change a git repository: commits per phase, resets, confinement, the operator's checkout.</summary>
public class WorkspaceRunTests
{
    [Test]
    public async Task Execute_SamplePlanOnSampleRepository_OneCommitPerPhaseTestsPassCheckoutUntouched()
    {
        using var s = new ExecutorScenario();
        var repo = await SampleAsync(s);

        // The operator's checkout is mid-work: an edited file, a staged one, an untracked one, another branch.
        repo.Git("branch", "feature/mine");
        repo.Write("README.md", File.ReadAllText(Path.Combine(repo.Path, "README.md")) + "\nmy own notes\n");
        repo.Write("notes.txt", "untracked\n");
        repo.Write("staged.txt", "staged\n");
        repo.Git("add", "staged.txt");
        var before = repo.Fingerprint();

        var plan = PlanParser.Parse(await File.ReadAllTextAsync(RepositoryRoot.Combine("examples", "demo-plan.json")));
        var runId = await s.Db.CreateRunAsync(plan, origin: new WorkspaceOrigin(repo.Path, repo.Head()));

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        var commits = repo.Log($"{repo.Head()}..autopack/demo-1");
        Assert.Multiple(() =>
        {
            Assert.That(commits, Has.Count.EqualTo(3), "one commit per phase");
            Assert.That(commits[0], Does.Contain("health-endpoint").And.Contain("Autopack-Run: demo-1").And.Contain("Autopack-Phase: demo-1-p1")
                .And.Contain("Autopack-Attempt: 2").And.Contain("Autopack-Tokens: "), "attempt 1 was rejected by the auditor, attempt 2 committed");
            Assert.That(commits[1], Does.Contain("Autopack-Phase: demo-1-p2"));
            Assert.That(commits[2], Does.Contain("Autopack-Phase: demo-1-p3"));
            Assert.That(s.Text("SELECT commit_sha FROM phases WHERE phase_id='demo-1-p1'"), Is.EqualTo(commits[0].Split('\u001f')[0]));
            Assert.That(s.Text("SELECT branch FROM runs WHERE run_id='demo-1'"), Is.EqualTo("autopack/demo-1"));
            Assert.That(repo.Fingerprint(), Is.EqualTo(before), "the operator's files, index, HEAD and branches are as they were");
        });

        // The branch passes its tests, checked out on its own.
        var check = Path.Combine(s.Db.FolderPath, "check");
        GitRepository.Run(s.Db.FolderPath, "clone", "--quiet", "--branch", "autopack/demo-1", repo.Path, check);
        var tests = await new CommandRunner().RunShellAsync("sh test.sh", check, new CommandOptions(TimeSpan.FromSeconds(30)), CancellationToken.None);
        Assert.That(tests.ExitCode, Is.Zero, tests.Output);
        Assert.That(File.ReadAllText(Path.Combine(check, "CHANGELOG.md")), Does.Contain("GET /health"));

        var phaseFolder = Path.Combine(s.RunsDirectory, "demo-1", "phases", "demo-1-p1");
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(Path.Combine(phaseFolder, "attempt-1.diff")), Does.Contain("+  \"GET /health\")"));
            Assert.That(File.ReadAllText(Path.Combine(phaseFolder, "attempt-1.transcript.jsonl")), Does.Contain("\"replace_in_file\"").And.Contain("\"finish\""));
            Assert.That(File.ReadAllText(Path.Combine(phaseFolder, "attempt-1.auditor.md")), Does.StartWith("REJECTED"));
            Assert.That(File.ReadAllText(Path.Combine(phaseFolder, "attempt-2.verify.log")), Does.Contain("all checks passed"));
        });
    }

    [Test]
    public async Task Execute_EditsBreakVerify_PhaseFailsWithNoCommitAndACleanWorktree()
    {
        using var s = new ExecutorScenario();
        var repo = await SampleAsync(s);
        var plan = new PlanBuilder("broken-1")
            .Phase("broken-1-a", maxAttempts: 2, verify: "sh test.sh", edits:
            [
                new OfflineEdit("service.sh", Content: "#!/bin/sh\necho broken\n"),
                new OfflineEdit("new-file.txt", Content: "left behind?\n"),
            ])
            .Build();
        var runId = await s.Db.CreateRunAsync(plan, origin: new WorkspaceOrigin(repo.Path, repo.Head()));

        var outcome = await s.ExecuteInProcessAsync(runId);

        var worktree = Path.Combine(s.RunsDirectory, "broken-1", "workspace");
        Assert.Multiple(() =>
        {
            Assert.That(outcome.ExitCode, Is.Not.Zero);
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_FAILED"));
            Assert.That(s.PhaseStatus("broken-1-a"), Is.EqualTo("FAILED"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM phases WHERE phase_id='broken-1-a' AND commit_sha IS NULL"), Is.EqualTo(1), "no commit recorded");
            Assert.That(repo.RevParse("autopack/broken-1"), Is.EqualTo(repo.Head()), "no commit on the branch");
            Assert.That(GitRepository.Run(worktree, "status", "--porcelain", "--untracked-files=all", "--ignored"), Is.Empty, "tracked and untracked edits reset");
            Assert.That(File.Exists(Path.Combine(worktree, "new-file.txt")), Is.False);
            Assert.That(File.ReadAllText(Path.Combine(s.RunsDirectory, "broken-1", "phases", "broken-1-a", "attempt-2.diff")), Does.Contain("+echo broken").And.Contain("new-file.txt"));
        });
    }

    [Test]
    public async Task Execute_EditsOutsideTheWorktreeOrScope_RefusedAsToolErrorsAndNothingOutsideChanges()
    {
        using var s = new ExecutorScenario();
        var outside = Path.Combine(s.Db.FolderPath, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "keep\n");
        var repo = GitRepository.Create(Path.Combine(s.Db.FolderPath, "repo"), new Dictionary<string, string> { ["src/app.txt"] = "app\n" });
        File.CreateSymbolicLink(Path.Combine(repo.Path, "escape"), outside);
        repo.CommitAll("a symlink that points out of the repository");
        var plan = new PlanBuilder("conf-1")
            .Phase("conf-1-a", verify: "true", scope: ["src/**"], edits:
            [
                new OfflineEdit("../outside/parent.txt", Content: "x"),
                new OfflineEdit(Path.Combine(outside, "absolute.txt"), Content: "x"),
                new OfflineEdit(".git/config", Content: "x"),
                new OfflineEdit("escape/through-link.txt", Content: "x"),
                new OfflineEdit("not-in-scope.txt", Content: "x"),
                new OfflineEdit("src/app.txt", Old: "app", New: "app v2"),
            ])
            .Build();
        var runId = await s.Db.CreateRunAsync(plan, origin: new WorkspaceOrigin(repo.Path, repo.Head()));

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        var changed = repo.Git("diff", "--name-only", $"{repo.Head()}..autopack/conf-1").Trim();
        var transcript = File.ReadAllLines(Path.Combine(s.RunsDirectory, "conf-1", "phases", "conf-1-a", "attempt-1.transcript.jsonl"));
        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.EqualTo("src/app.txt"), "only the edit inside the worktree and the scope was made");
            Assert.That(Directory.GetFiles(outside), Is.EqualTo(new[] { Path.Combine(outside, "keep.txt") }), "nothing written outside");
            Assert.That(transcript.Count(l => l.Contains("\"type\":\"tool_result\"", StringComparison.Ordinal) && l.Contains("\"is_error\":true", StringComparison.Ordinal)), Is.EqualTo(5),
                "each refused edit went back to the model as an error result");
            Assert.That(repo.Git("config", "--get", "core.bare").Trim(), Is.EqualTo("false"), ".git/config intact");
        });
    }

    [Test]
    public async Task Execute_BuilderThatNeverFinishes_AttemptEndsAtMaxTurnsAndUsageStaysUnderTheCap()
    {
        using var s = new ExecutorScenario();
        var edits = Enumerable.Range(1, 50).Select(i => new OfflineEdit($"f{i}.txt", Content: $"{i}\n")).ToList();
        var plan = new PlanBuilder("turns-1").Phase("turns-1-a", maxAttempts: 2, maxTurns: 4, edits: edits).Build();
        var runId = await s.Db.CreateRunAsync(plan);

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.Multiple(() =>
        {
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_FAILED"));
            Assert.That(outcome.Message, Does.Contain("max_turns (4)"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE phase_id='turns-1-a' AND role='builder'"), Is.EqualTo(8), "4 turns in each of 2 attempts");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE phase_id='turns-1-a' AND role='auditor'"), Is.Zero);
            Assert.That(Directory.GetFiles(Path.Combine(s.RunsDirectory, "turns-1", "workspace"), "f*.txt"), Is.Empty, "the unfinished attempt's files were reset");
        });
    }

    [Test]
    public async Task Execute_BuilderLoopAtThePhaseCap_StopsBudgetExceededAndNeverPassesIt()
    {
        using var s = new ExecutorScenario();
        var edits = Enumerable.Range(1, 200).Select(i => new OfflineEdit($"f{i}.txt", Content: new string('x', 200))).ToList();
        const long cap = 6_000;
        var plan = new PlanBuilder("cap-1").Phase("cap-1-a", cap: cap, maxTurns: 200, edits: edits).Build();
        var runId = await s.Db.CreateRunAsync(plan);

        await s.ExecuteInProcessAsync(runId);

        var used = s.Db.Scalar("SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE phase_id='cap-1-a'");
        Assert.Multiple(() =>
        {
            Assert.That(s.PhaseStatus("cap-1-a"), Is.EqualTo("BUDGET_EXCEEDED"));
            Assert.That(used, Is.LessThanOrEqualTo(cap));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE phase_id='cap-1-a'"), Is.GreaterThan(2), "the loop ran several turns before the cap");
            Assert.That(Directory.GetFiles(Path.Combine(s.RunsDirectory, "cap-1", "workspace"), "f*.txt"), Is.Empty, "reset after the refusal");
        });
    }

    [Test]
    public async Task Execute_NoRepositoryInThePlan_InitialisesOneSoTheRunStillHasHistory()
    {
        using var s = new ExecutorScenario();
        var plan = new PlanBuilder("init-1").Phase("init-1-a", edits: [new OfflineEdit("hello.txt", Content: "hello\n")]).Build();
        var runId = await s.Db.CreateRunAsync(plan);

        var outcome = await s.ExecuteInProcessAsync(runId);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        var worktree = Path.Combine(s.RunsDirectory, "init-1", "workspace");
        Assert.That(GitRepository.Run(worktree, "rev-parse", "--abbrev-ref", "HEAD").Trim(), Is.EqualTo("autopack/init-1"));
        Assert.That(GitRepository.Run(worktree, "log", "--format=%s").Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2), "the initial commit and the phase's");
        Assert.That(File.ReadAllText(Path.Combine(worktree, "hello.txt")), Is.EqualTo("hello\n"));
        Assert.That(s.Text("SELECT base_commit FROM runs WHERE run_id='init-1'"), Has.Length.EqualTo(40));
    }

    internal static async Task<GitRepository> SampleAsync(ExecutorScenario s)
    {
        var path = Path.Combine(s.Db.FolderPath, "sample-service");
        await SampleRepository.CreateAsync(path, new CommandRunner(), CancellationToken.None);
        return new GitRepository(path);
    }
}
