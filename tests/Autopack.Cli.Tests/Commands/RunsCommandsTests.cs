using Autopack.Domain.Runs;
using Autopack.Storage.Budgets;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;

namespace Autopack.Cli.Tests.Commands;

public class RunsCommandsTests
{
    private CliHarness cli = null!;

    [SetUp]
    public void SetUp() => cli = new CliHarness();

    [TearDown]
    public void TearDown() => cli.Dispose();

    /// <summary>A live executor's lease, so an abort is left to it (written to the file) instead of ending the run at once.</summary>
    private Task HoldLeaseAsync(string runId) =>
        new ExecutorLeases(cli.Database, TimeProvider.System).TryAcquireAsync(runId, "test-owner", Environment.ProcessId, Environment.MachineName, TimeSpan.FromSeconds(15));

    private long Scalar(string sql)
    {
        using var connection = cli.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task CreateDemoAsync()
    {
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("runs", "create", "--file", CliHarness.ExamplePlan);
    }

    [Test]
    public async Task Create_ExamplePlan_PrintsRunIdAndStoresTheWholePlan()
    {
        await cli.RunOkAsync("db", "migrate");

        var result = await cli.RunAsync("runs", "create", "--file", CliHarness.ExamplePlan);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.OutputLines, Is.EqualTo(new[] { "demo-1" }));
        Assert.That(result.Error, Is.Empty);
        Assert.That(cli.RunTableCounts(), Is.EqualTo((1L, 2L, 3L, 1L)));
        var run = await new RunStore(cli.Database, TimeProvider.System).GetAsync("demo-1");
        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(RunStatus.Queued));
            Assert.That(run.TokenCap, Is.EqualTo(200_000));
            Assert.That(run.Phases.Select(p => p.PhaseId), Is.EqualTo(new[] { "demo-1-p1", "demo-1-p2", "demo-1-p3" }));
            Assert.That(run.Phases.Select(p => p.TokenCap), Is.EqualTo(new long[] { 60_000, 500_000, 150_000 }), "explicit, implementation x1.0, audit x0.3");
            Assert.That(run.Repository, Is.EqualTo(Path.Combine(cli.WorkingDirectory, "sample-service")), "workspace.repository resolved against the working directory");
            Assert.That(run.BaseCommit, Has.Length.EqualTo(40));
            Assert.That(run.Branch, Is.EqualTo("autopack/demo-1"));
        });
    }

    [Test]
    public async Task Create_RelativeFilePath_IsResolvedAgainstTheWorkingDirectory()
    {
        await cli.RunOkAsync("db", "migrate");
        cli.WriteFile(Path.Combine("plans", "mine.json"), File.ReadAllText(CliHarness.ExamplePlan));

        var result = await cli.RunAsync("runs", "create", "-f", Path.Combine("plans", "mine.json"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(cli.Count("runs"), Is.EqualTo(1));
    }

    [Test]
    public async Task Create_MultipliersAndPhaseCapInAutopackJson_ResolveTheCaps()
    {
        cli.WriteSettings(new Dictionary<string, object>
        {
            ["AUTOPACK_DB"] = Path.Combine("state", "cli.db"),
            ["AUTOPACK_PHASE_TOKEN_CAP"] = "100000",
            ["phase_token_cap_multipliers"] = new Dictionary<string, object> { ["implementation"] = 2, ["audit"] = 0.5 },
        });

        await CreateDemoAsync();

        var run = await new RunStore(cli.Database, TimeProvider.System).GetAsync("demo-1");
        Assert.That(run.Phases.Select(p => p.TokenCap), Is.EqualTo(new long[] { 60_000, 200_000, 50_000 }), "explicit, implementation x2, audit x0.5");
    }

    [Test]
    public async Task Create_PlanWithoutRunCap_GetsRunTokenCapFromAutopackJson()
    {
        cli.WriteSettings(new Dictionary<string, object> { ["AUTOPACK_DB"] = Path.Combine("state", "cli.db"), ["AUTOPACK_RUN_TOKEN_CAP"] = 1234567 });
        await cli.RunOkAsync("db", "migrate");
        var plan = cli.WriteFile("capless.json", """{ "run_id": "capless", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" } ] } ] }""");

        await cli.RunOkAsync("runs", "create", "--file", plan);

        Assert.That((await new RunStore(cli.Database, TimeProvider.System).GetAsync("capless")).TokenCap, Is.EqualTo(1_234_567));
    }

    private static IEnumerable<TestCaseData> MalformedPlans()
    {
        static TestCaseData Case(string name, string json, string field) =>
            new TestCaseData(json, field).SetName($"Create_{name}_OneLineNamingFieldAndNothingWritten");

        yield return Case("MissingTiers", """{ "run_id": "bad-1", "goal": "g" }""", "tiers");
        yield return Case("NegativePhaseCap", """{ "run_id": "bad-2", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "bad-2-a", "phase_name": "a" }, { "phase_id": "bad-2-b", "phase_name": "b", "token_cap": -40000 } ] } ] }""", "tiers[0].phases[1].token_cap");
        yield return Case("NegativeRunCap", """{ "run_id": "bad-3", "goal": "g", "token_cap": -1, "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" } ] } ] }""", "token_cap");
        yield return Case("DuplicatePhaseId", """{ "run_id": "bad-4", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "bad-4-a", "phase_name": "a" } ] }, { "name": "u", "phases": [ { "phase_id": "bad-4-a", "phase_name": "b" } ] } ] }""", "tiers[1].phases[0].phase_id");
        yield return Case("CapAsString", """{ "run_id": "bad-5", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "token_cap": "40000" } ] } ] }""", "tiers[0].phases[0].token_cap");
        yield return Case("TiersAsObject", """{ "run_id": "bad-6", "goal": "g", "tiers": { "name": "t" } }""", "tiers");
        yield return Case("FractionalAttempts", """{ "run_id": "bad-7", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_attempts": 1.5 } ] } ] }""", "tiers[0].phases[0].max_attempts");
        yield return Case("UnsafeRunId", """{ "run_id": "../escape", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" } ] } ] }""", "run_id");
        yield return Case("UnknownField", """{ "run_id": "bad-8", "goal": "g", "budget": 5, "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" } ] } ] }""", "budget");
        yield return Case("NotJson", "run_id: bad-9\ngoal: g\n", "$");
    }

    [TestCaseSource(nameof(MalformedPlans))]
    public async Task Create_MalformedPlan_OneLineNamingFieldAndNothingWritten(string json, string field)
    {
        await CreateDemoAsync();
        var before = cli.RunTableCounts();
        var plan = cli.WriteFile("bad.json", json);

        var result = await cli.RunAsync("runs", "create", "--file", plan);

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Output, Is.Empty);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain($" {field}: "), result.ToString());
        Assert.That(cli.RunTableCounts(), Is.EqualTo(before));
    }

    [Test]
    public async Task Create_PhaseIdOfAnotherRun_OneLineAndNothingWritten()
    {
        await CreateDemoAsync();
        var before = cli.RunTableCounts();
        var plan = cli.WriteFile("second.json", """{ "run_id": "demo-2", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "demo-2-a", "phase_name": "a" }, { "phase_id": "demo-1-p3", "phase_name": "b" } ] } ] }""");

        var result = await cli.RunAsync("runs", "create", "--file", plan);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { "error: phase_id: 'demo-1-p3' already exists" }));
        Assert.That(cli.RunTableCounts(), Is.EqualTo(before));
    }

    [Test]
    public async Task Create_SamePlanTwice_SecondRefusedWithOneLine()
    {
        await CreateDemoAsync();
        var before = cli.RunTableCounts();

        var result = await cli.RunAsync("runs", "create", "--file", CliHarness.ExamplePlan);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { "error: run_id: 'demo-1' already exists" }));
        Assert.That(cli.RunTableCounts(), Is.EqualTo(before));
    }

    [Test]
    public async Task Create_BeforeMigrate_OneLineErrorAndNoDatabaseCreated()
    {
        var result = await cli.RunAsync("runs", "create", "--file", CliHarness.ExamplePlan);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("autopack db migrate"));
        Assert.That(File.Exists(cli.DatabasePath), Is.False);
    }

    [Test]
    public async Task Create_MissingPlanFile_OneLineNamingTheOption()
    {
        await cli.RunOkAsync("db", "migrate");

        var result = await cli.RunAsync("runs", "create", "--file", "no-such-plan.json");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("--file").And.Contain("no-such-plan.json"));
    }

    [Test]
    public async Task List_AfterCreate_ShowsRunWithProgressAndTokens()
    {
        await CreateDemoAsync();

        var result = await cli.RunOkAsync("runs", "list");

        Assert.That(result.OutputLines, Has.Length.EqualTo(2));
        Assert.That(result.OutputLines[0], Does.StartWith("RUN_ID"));
        Assert.That(result.OutputLines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(4), Is.EqualTo(new[] { "demo-1", "QUEUED", "0/3", "0/200000" }));
    }

    [Test]
    public async Task List_StatusFilter_ShowsOnlyMatchingRuns()
    {
        await CreateDemoAsync();

        var executing = await cli.RunOkAsync("runs", "list", "--status", "executing");
        var queued = await cli.RunOkAsync("runs", "list", "--status", "QUEUED");
        var bogus = await cli.RunAsync("runs", "list", "--status", "RUNNING");

        Assert.That(executing.OutputLines, Has.Length.EqualTo(1), "header only");
        Assert.That(queued.OutputLines, Has.Length.EqualTo(2));
        Assert.That(bogus.ExitCode, Is.Not.Zero);
        Assert.That(bogus.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(bogus.Error, Does.Contain("--status"));
    }

    [Test]
    public async Task Show_DemoRun_ListsTiersAndPhasesInOrderWithCaps()
    {
        await CreateDemoAsync();

        var result = await cli.RunOkAsync("runs", "show", "demo-1");
        var lines = result.OutputLines;

        Assert.That(lines.Take(4), Is.EqualTo(new[] { "run:      demo-1", "status:   QUEUED", "goal:     Add a health endpoint to the sample service", "cap:      200000" }));
        Assert.That(lines, Has.One.StartsWith("branch:   autopack/demo-1 (from "));
        Assert.That(lines, Has.One.EqualTo($"repo:     {Path.Combine(cli.WorkingDirectory, "sample-service")}"));
        Assert.That(lines, Has.One.EqualTo("commits:  0"));
        Assert.That(lines.Where(l => l.StartsWith("tier ", StringComparison.Ordinal)), Is.EqualTo(new[] { "tier 0: feature", "tier 1: docs" }));
        var phases = lines.Where(l => l.StartsWith("demo-1-p", StringComparison.Ordinal)).ToList();
        Assert.That(phases.Select(l => l.Split(' ')[0]), Is.EqualTo(new[] { "demo-1-p1", "demo-1-p2", "demo-1-p3" }));
        Assert.That(phases[0], Does.Contain("QUEUED").And.Contain("attempts 0/3").And.Contain("cap 60000").And.EndWith("health-endpoint"));
        Assert.That(phases[1], Does.Contain("cap 500000"));
        Assert.That(Array.IndexOf(lines, "tier 1: docs"), Is.GreaterThan(lines.ToList().IndexOf(phases[0])), "phases sit under their tier");
        Assert.That(Array.IndexOf(lines, "tier 1: docs"), Is.LessThan(lines.ToList().IndexOf(phases[1])));
    }

    [Test]
    public async Task Show_PhaseWithAnAgentModelsAndScope_PrintsThemUnderThePhase()
    {
        var plan = cli.WriteFile("agent.json", """
            { "run_id": "agent-1", "goal": "g", "tiers": [ { "name": "t", "phases": [
              { "phase_id": "agent-1-a", "phase_name": "a", "provider": "openai", "builder": { "command": "aider --yes-always", "timeout_seconds": 900 },
                "models": ["small", "large"], "scope": ["src/**"] },
              { "phase_id": "agent-1-b", "phase_name": "b" } ] } ] }
            """);
        await cli.RunOkAsync("db", "migrate");
        await cli.RunOkAsync("runs", "create", "--file", plan);

        var lines = (await cli.RunOkAsync("runs", "show", "agent-1")).OutputLines;

        var a = Array.FindIndex(lines, l => l.StartsWith("agent-1-a", StringComparison.Ordinal));
        var b = Array.FindIndex(lines, l => l.StartsWith("agent-1-b", StringComparison.Ordinal));
        Assert.That(lines[(a + 1)..b], Is.EqualTo(new[]
        {
            "builder: aider --yes-always  (timeout 900 s)",
            "models:  small, large  (attempt N uses the Nth, later attempts the last)",
            "scope:   src/**",
        }));
        Assert.That(lines[(b + 1)..], Has.None.StartsWith("builder:").And.None.StartsWith("models:"), "a built-in builder's phase shows neither");
    }

    [Test]
    public async Task Usage_RunWithCalls_TotalsAgainstCapsByPhaseProviderAndModel()
    {
        await CreateDemoAsync();
        var ledger = new TokenLedger(cli.Database, TimeProvider.System);
        foreach (var (phase, provider, model, prompt, completion) in new[] { ("demo-1-p1", "openai", "gpt-4o-mini", 1_000L, 500L), ("demo-1-p3", "offline", "offline-1", 200L, 100L) })
        {
            var reservation = await ledger.ReserveAsync("demo-1", phase, prompt, completion, 1, "test");
            await ledger.SettleAsync(reservation, new UsageRecord(phase, provider, model, "builder", prompt, completion));
        }

        var result = await cli.RunOkAsync("usage", "--run-id", "demo-1");
        var lines = result.OutputLines;

        Assert.That(lines[0], Is.EqualTo("run demo-1: 1800 of 200000 tokens (0.9%), 2 calls"));
        Assert.That(lines.Single(l => l.StartsWith("demo-1-p1", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "demo-1-p1", "health-endpoint", "1500", "/", "60000", "2.5%", "prompt", "1000", "completion", "500" }));
        Assert.That(lines.Single(l => l.StartsWith("demo-1-p2", StringComparison.Ordinal)), Does.Contain(" 0 / 500000"));
        Assert.That(lines.SkipWhile(l => l != "by provider:").Skip(1).TakeWhile(l => l != "by model:").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0..2]),
            Is.EqualTo(new[] { new[] { "offline", "300" }, new[] { "openai", "1500" } }));
        Assert.That(lines.SkipWhile(l => l != "by model:").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]),
            Is.EqualTo(new[] { "gpt-4o-mini", "offline-1" }));
    }

    [TestCase("stop", ".stop_executor")]
    [TestCase("abort", ".abort_run")]
    public async Task StopOrAbort_HeldRun_WritesTheControlFileAsEchoWould(string verb, string file)
    {
        await CreateDemoAsync();
        await HoldLeaseAsync("demo-1");

        var result = await cli.RunOkAsync("runs", verb, "demo-1");

        var path = Path.Combine(cli.RunsDirectory, file);
        Assert.That(File.ReadAllText(path), Is.EqualTo($"{verb}:demo-1\n"), "the same bytes as: echo \"" + verb + ":demo-1\" > " + file);
        Assert.That(result.Output.Trim(), Is.EqualTo($"wrote {verb}:demo-1 to {path}"));
        Assert.That(Directory.GetFiles(cli.RunsDirectory).Select(Path.GetFileName), Is.EqualTo(new[] { file }), "no temp file left behind");
        Assert.That(Scalar($"SELECT count(*) FROM control_requests WHERE run_id='demo-1' AND kind='{verb}' AND source='cli' AND handled_at IS NULL"), Is.EqualTo(1),
            "the request is stored for the run as well");
    }

    [Test]
    public async Task Stop_QueuedRun_StoredForTheRunAndWritten()
    {
        await CreateDemoAsync();

        await cli.RunOkAsync("runs", "stop", "demo-1");

        Assert.That(File.ReadAllText(Path.Combine(cli.RunsDirectory, ".stop_executor")), Is.EqualTo("stop:demo-1\n"));
        Assert.That(Scalar("SELECT count(*) FROM control_requests WHERE run_id='demo-1' AND kind='stop' AND handled_at IS NULL"), Is.EqualTo(1), "it waits for the run's executor");
    }

    [Test]
    public async Task Abort_QueuedRunThatNoExecutorHolds_AbortedAtOnceWithoutAFile()
    {
        await CreateDemoAsync();

        var result = await cli.RunOkAsync("runs", "abort", "demo-1");

        Assert.That(result.Output, Does.Contain("ABORTED at once"));
        Assert.That(Scalar("SELECT count(*) FROM runs WHERE run_id='demo-1' AND status='ABORTED'"), Is.EqualTo(1));
        Assert.That(Scalar("SELECT count(*) FROM phases WHERE run_id='demo-1' AND status<>'SKIPPED'"), Is.Zero);
        Assert.That(Scalar("SELECT count(*) FROM control_requests WHERE run_id='demo-1' AND handled_at IS NOT NULL AND outcome LIKE 'aborted at once%'"), Is.EqualTo(1));
        Assert.That(Scalar("SELECT count(*) FROM events WHERE run_id='demo-1' AND kind='control_command'"), Is.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(cli.RunsDirectory, ".abort_run")), Is.False, "no executor is left to consume a file");
    }

    [Test]
    public async Task Stop_EndedRun_RefusedWithOneLineAndNoControlFile()
    {
        await CreateDemoAsync();
        await new RunStateWriter(cli.Database, TimeProvider.System).TransitionRunAsync("demo-1", RunStatus.Aborted, "test");

        var result = await cli.RunAsync("runs", "stop", "demo-1");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("ABORTED"));
        Assert.That(File.Exists(Path.Combine(cli.RunsDirectory, ".stop_executor")), Is.False);
    }

    [TestCase("runs", "show", "ghost-run")]
    [TestCase("runs", "stop", "ghost-run")]
    [TestCase("runs", "abort", "ghost-run")]
    [TestCase("phases", "timeout", "ghost-phase")]
    [TestCase("usage", "--run-id", "ghost-run")]
    public async Task Command_UnknownId_NonZeroWithOneLineSayingNotFound(string group, string verb, string id)
    {
        await CreateDemoAsync();

        var result = await cli.RunAsync(group, verb, id);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain(id).And.Contain("not found"));
        Assert.That(Directory.Exists(cli.RunsDirectory) ? Directory.GetFiles(cli.RunsDirectory) : [], Is.Empty, "no control file for an unknown target");
    }

    [Test]
    public async Task ControlFiles_WrittenByCommands_ParseAsTheExecutorReadsThem()
    {
        await CreateDemoAsync();
        await HoldLeaseAsync("demo-1");

        await cli.RunOkAsync("runs", "stop", "demo-1");
        await cli.RunOkAsync("runs", "abort", "demo-1");
        await cli.RunOkAsync("phases", "timeout", "demo-1-p1");

        var runtime = new RuntimeFolder(cli.RunsDirectory);
        Assert.Multiple(() =>
        {
            Assert.That(ControlCommand.Parse(ControlKind.Stop, File.ReadAllText(runtime.ControlFilePath(ControlKind.Stop))), Is.EqualTo(new ControlCommand(ControlKind.Stop, "demo-1")));
            Assert.That(ControlCommand.Parse(ControlKind.Abort, File.ReadAllText(runtime.ControlFilePath(ControlKind.Abort))), Is.EqualTo(new ControlCommand(ControlKind.Abort, "demo-1")));
            Assert.That(ControlCommand.Parse(ControlKind.Timeout, File.ReadAllText(runtime.ControlFilePath(ControlKind.Timeout))), Is.EqualTo(new ControlCommand(ControlKind.Timeout, "demo-1-p1")));
        });
    }
}
