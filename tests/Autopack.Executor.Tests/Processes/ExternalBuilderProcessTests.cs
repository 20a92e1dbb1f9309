using System.Diagnostics;
using System.Text.Json.Nodes;
using Autopack.Domain.Plans;
using Autopack.Executor.Tests.Support;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>
/// A phase whose builder is an external agent, end to end through a real <c>autopack execute</c>: the executor serves
/// the metered endpoint, the agent (the Python stand-in, a real process) calls it, the provider stand-in on loopback
/// is the upstream the executor's settings name. Then verify, the auditor and the commit, or a control file.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public sealed class ExternalBuilderProcessTests
{
    private const string RealKey = "sk-real-openai-key-only-the-executor-holds";
    private const long PhaseCap = 4_000;

    [Test]
    public async Task Execute_StandInAgentLoopsUntilRefused_UsageWithinThePhaseCapNoRealKeyAndItsFileCommittedOnTheRunBranch()
    {
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        standIn.Answer = body => StandInAgent.IsAuditor(body) ? "APPROVED: the agent's file is there" : null;
        using var evidence = new TempDirectory("agent-evidence");
        var repo = GitRepository.Create(Path.Combine(s.Db.FolderPath, "service"), new Dictionary<string, string> { ["README.md"] = "a service\n" });
        var plan = new PlanBuilder("xb-e2e", 1_000_000)
            .Phase("xb-e2e-a", cap: PhaseCap, provider: "openai", verify: "test -s agent-output.txt", builder: new BuilderPlan(StandInAgent.Command(evidence.Path), 300))
            .Build();
        var runId = await s.Db.CreateRunAsync(plan, origin: new WorkspaceOrigin(repo.Path, repo.Head()));

        using (var executor = AutopackProcess.Start(s.Db.FolderPath, Environment(s, standIn), "execute", "--run-id", runId))
        {
            Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(120)), Is.True, executor.Output + executor.Error);
            Assert.That(executor.ExitCode, Is.Zero, executor.Output + executor.Error);
        }

        var environment = JsonNode.Parse(await File.ReadAllTextAsync(evidence.Combine("env.json")))!.AsObject();
        var refusal = JsonNode.Parse(await File.ReadAllTextAsync(evidence.Combine("refusal.json")))!;
        var builderCalls = standIn.Received.Count(r => !StandInAgent.IsAuditor(r.Body));
        var phaseUsed = s.Db.Scalar("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE phase_id = 'xb-e2e-a'");
        var commits = repo.Log($"{repo.Head()}..autopack/{runId}");
        await TestContext.Out.WriteLineAsync($"{builderCalls} agent calls served; phase used {phaseUsed} of {PhaseCap}");
        Assert.Multiple(() =>
        {
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(s.PhaseStatus("xb-e2e-a"), Is.EqualTo("COMPLETE"));

            Assert.That(builderCalls, Is.GreaterThan(3), "the agent made several calls before the cap refused one");
            Assert.That(phaseUsed, Is.LessThanOrEqualTo(PhaseCap), "recorded usage passed the phase cap");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE role = 'builder'"), Is.EqualTo(builderCalls), "one row per request the agent made");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE role = 'auditor'"), Is.EqualTo(1), "the review still had its share");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero, "nothing left reserved, the review share included");

            Assert.That(refusal["status"]!.GetValue<int>(), Is.EqualTo(429));
            Assert.That(refusal["body"]!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("insufficient_quota"));
            Assert.That(refusal["body"]!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("insufficient_quota"));
            Assert.That(refusal["body"]!["error"]!["message"]!.GetValue<string>(), Does.Contain("budget"));

            Assert.That(environment.Select(v => v.Value?.ToString()), Has.None.Contains(RealKey), "the real key is in none of the agent's variables");
            Assert.That(environment["OPENAI_API_KEY"]!.GetValue<string>(), Does.StartWith("apk-"));
            Assert.That(environment["OPENAI_BASE_URL"]!.GetValue<string>(), Does.StartWith("http://127.0.0.1:"));
            Assert.That(environment.Select(v => v.Key).Where(k => k.StartsWith("AUTOPACK_", StringComparison.Ordinal)),
                Is.EquivalentTo(new[] { "AUTOPACK_PROMPT_FILE", "AUTOPACK_RUN_ID", "AUTOPACK_PHASE_ID", "AUTOPACK_MODEL", "AUTOPACK_PROVIDER" }),
                "none of the executor's own settings (its database, the provider's key and URL)");
            Assert.That(standIn.Received.All(r => r.Authorization == $"Bearer {RealKey}"), Is.True, "the provider got the real key from the executor");

            Assert.That(commits, Has.Count.EqualTo(1), "the phase is one commit on the run branch");
            Assert.That(commits.Single(), Does.Contain("Autopack-Phase: xb-e2e-a").And.Contain($"Autopack-Run: {runId}"));
            Assert.That(repo.Git("show", "--name-only", "--format=", $"autopack/{runId}").Trim(), Is.EqualTo("agent-output.txt"));
            Assert.That(repo.Git("show", $"autopack/{runId}:agent-output.txt"), Is.EqualTo($"{builderCalls} calls\n"), "the agent's file as it wrote it");
            Assert.That(File.ReadAllText(Path.Combine(s.RunsDirectory, runId, "phases", "xb-e2e-a", "attempt-1.builder.log")), Does.Contain("then refused"));
        });
    }

    [Test]
    public async Task StopFile_WhileTheAgentRuns_KillsItsProcessTreeAndPausesTheRun()
    {
        using var s = new ExecutorScenario();
        await using var standIn = await ProviderStandIn.StartAsync();
        using var evidence = new TempDirectory("agent-pids");
        var agentPid = evidence.Combine("agent.pid");
        var childPid = evidence.Combine("child.pid");

        // An agent that starts a tool of its own and waits on it, as agent CLIs do.
        var command = $"echo $$ > \"{agentPid}\"; sleep 600 & echo $! > \"{childPid}\"; wait";
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("xb-stop").Phase("xb-stop-a", provider: "openai", builder: new BuilderPlan(command)).Build());

        using var executor = AutopackProcess.Start(s.Db.FolderPath, Environment(s, standIn), "execute", "--run-id", runId);
        Assert.That(await Eventually.TrueAsync(() => HasPid(agentPid) && HasPid(childPid), TimeSpan.FromSeconds(60)), Is.True, executor.Output + executor.Error);
        var pids = new[] { StandInAgent.ReadPid(agentPid), StandInAgent.ReadPid(childPid) };
        Assert.That(pids.All(StandInAgent.IsAlive), Is.True, "the agent and its child run");

        await OperatorShell.Echo($"stop:{runId}", Path.Combine(s.RunsDirectory, ".stop_executor"));

        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True, "the executor exits after a stop");
        Assert.That(await Eventually.TrueAsync(() => !pids.Any(StandInAgent.IsAlive), TimeSpan.FromSeconds(10)), Is.True, "the agent's whole process tree is gone");
        Assert.Multiple(() =>
        {
            Assert.That(executor.ExitCode, Is.Zero, executor.Output + executor.Error);
            Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
            Assert.That(s.PhaseStatus("xb-stop-a"), Is.EqualTo("QUEUED"), "interrupted, to be resumed");
            Assert.That(s.Text("SELECT attempts FROM phases WHERE phase_id = 'xb-stop-a'"), Is.EqualTo("0"), "an interrupted attempt is not used up");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero, "the review share was given back");
        });
    }

    private static bool HasPid(string path) => File.Exists(path) && File.ReadAllText(path).Trim().Length > 0;

    /// <summary>The executor's environment: the scenario's, with the provider stand-in as the <c>openai</c> provider and its real key.</summary>
    private static Dictionary<string, string?> Environment(ExecutorScenario s, ProviderStandIn standIn)
    {
        var environment = s.Environment();
        environment["AUTOPACK_OPENAI_BASE_URL"] = standIn.BaseUrl + "/v1";
        environment["AUTOPACK_OPENAI_API_KEY"] = RealKey;
        environment["AUTOPACK_OPENAI_MODEL"] = "gpt-configured";
        return environment;
    }
}
