using Autopack.Domain.Plans;
using Autopack.Executor.Tests.Support;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Workspace;

/// <summary>
/// A phase's <c>scope</c> holds for an external agent too: it writes with its own tools, so what it changed is checked
/// when it ends, and a change outside the globs fails the attempt and is reset like any failed attempt's.
/// </summary>
public sealed class ExternalBuilderScopeTests
{
    [Test]
    public async Task Execute_AgentWritesOutsideTheScope_AttemptFailsNamingThePathAndNothingIsCommitted()
    {
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        standIn.Answer = body => StandInAgent.IsAuditor(body) ? "APPROVED" : null;
        var repo = GitRepository.Create(Path.Combine(s.Db.FolderPath, "repo"), new Dictionary<string, string> { ["src/app.txt"] = "app\n", ["README.md"] = "readme\n" });
        var plan = new PlanBuilder("agent-scope-1")
            .Phase("agent-scope-1-a", provider: "openai", maxAttempts: 1, scope: ["src/**"],
                builder: new BuilderPlan(
                    "echo v2 > src/app.txt && echo mine > notes.txt && git rm -q README.md"
                    + " && echo kept > committed.txt && git add committed.txt && git -c user.name=agent -c user.email=agent@localhost commit -qm 'agent commit'"
                    + " && printf x > \"$(printf 'two\\nlines.txt')\""))
            .Build();
        var runId = await s.Db.CreateRunAsync(plan, origin: new WorkspaceOrigin(repo.Path, repo.Head()));

        var outcome = await s.ExecuteInProcessAsync(runId, settings: s.SettingsOn(standIn));

        var reason = s.Text("SELECT failure_reason FROM phases WHERE phase_id = 'agent-scope-1-a'");
        var worktree = Path.Combine(s.RunsDirectory, "agent-scope-1", "workspace");
        Assert.Multiple(() =>
        {
            Assert.That(outcome.ExitCode, Is.Not.Zero, "the run failed with its only phase");
            Assert.That(s.PhaseStatus("agent-scope-1-a"), Is.EqualTo("FAILED"));
            Assert.That(reason, Does.Contain("outside the phase's scope (src/**)").And.Contain("notes.txt").And.Contain("README.md"));
            Assert.That(reason, Does.Contain("committed.txt"), "a file the agent committed itself is checked too");
            Assert.That(reason, Does.Contain("two\\x0alines.txt"), "a name with a newline is named on one line");
            Assert.That(reason, Does.Not.Contain("src/app.txt"), "the change inside the scope is not named");
            Assert.That(repo.RevParse("autopack/agent-scope-1"), Is.EqualTo(repo.Head()), "no commit on the run branch");
            Assert.That(GitRepository.Run(worktree, "status", "--porcelain", "--untracked-files=all"), Is.Empty, "the attempt's changes were reset");
            Assert.That(File.ReadAllText(Path.Combine(worktree, "src", "app.txt")), Is.EqualTo("app\n"));
        });
    }

    [Test]
    public async Task Execute_AgentWritesOnlyInsideTheScope_ItsChangeIsCommitted()
    {
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        standIn.Answer = body => StandInAgent.IsAuditor(body) ? "APPROVED" : null;
        var repo = GitRepository.Create(Path.Combine(s.Db.FolderPath, "repo"), new Dictionary<string, string> { ["src/app.txt"] = "app\n" });
        var plan = new PlanBuilder("agent-scope-2")
            .Phase("agent-scope-2-a", provider: "openai", maxAttempts: 1, scope: ["src/"],
                builder: new BuilderPlan("echo v2 > src/app.txt && mkdir -p src/new && echo new > src/new/file.txt"))
            .Build();
        var runId = await s.Db.CreateRunAsync(plan, origin: new WorkspaceOrigin(repo.Path, repo.Head()));

        var outcome = await s.ExecuteInProcessAsync(runId, settings: s.SettingsOn(standIn));

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message + " " + s.Text("SELECT failure_reason FROM phases WHERE phase_id = 'agent-scope-2-a'"));
        Assert.That(repo.Git("diff", "--name-only", $"{repo.Head()}..autopack/agent-scope-2").Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "src/app.txt", "src/new/file.txt" }));
    }
}
