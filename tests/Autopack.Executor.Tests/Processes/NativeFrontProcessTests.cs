using Autopack.Domain.Settings;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>
/// The published autopack (ADR-045): <c>dotnet publish src/Autopack.Cli</c> makes <c>autopack</c> the native front,
/// which runs <c>execute</c> and <c>backup</c> itself (ADR-047) and hands every other command (and a run with an
/// Anthropic phase) to <c>autopack-managed</c> beside it. Published once for the class, from this build
/// (<c>--no-build</c>), by the project's own publish target; every test runs the published files as real processes.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class NativeFrontProcessTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private TempDirectory published = null!;
    private string fallbackLog = "";

    /// <summary>The published autopack: the front, with autopack-managed beside it.</summary>
    private string Front => published.Combine("out", "autopack");

    /// <summary>The same front copied alone (with the SQLite library it loads), without autopack-managed.</summary>
    private string LoneFront => published.Combine("alone", "autopack");

    [OneTimeSetUp]
    public async Task PublishAsync()
    {
        published = new TempDirectory("autopack-front");
        var project = RepositoryRoot.Combine("src", "Autopack.Cli", "Autopack.Cli.csproj");
        var (output, log) = await DotnetPublish.RunWithLogAsync(project, published.Combine("out"), "-c", Configuration, "--no-build", "-p:PublishReadyToRun=false");
        Assert.That(PublishedLayout.HoldsFront(output), Is.True, "the publish compiled no front (a C toolchain is needed: .ci/setup-test-deps.sh installs one):\n" + log);
        Directory.CreateDirectory(published.Combine("alone"));
        File.Copy(Path.Combine(output, "autopack"), LoneFront);
        File.Copy(Path.Combine(output, "libe_sqlite3.so"), published.Combine("alone", "libe_sqlite3.so"));

        // A publish whose front does not compile (here its publish gets a switch dotnet refuses, as a missing C
        // toolchain fails it later), into a copy of the folder above, front included: the front must go. Published
        // after the first, never beside it, since both write the project's obj.
        var fallback = published.Combine("fallback");
        Directory.CreateDirectory(fallback);
        foreach (var file in Directory.GetFiles(output))
        {
            File.Copy(file, Path.Combine(fallback, Path.GetFileName(file)));
        }

        fallbackLog = (await DotnetPublish.RunWithLogAsync(
            project, fallback, "-c", Configuration, "--no-build", "-p:PublishReadyToRun=false", "-p:AutopackNativeFrontArguments=--no-such-switch")).Log;
    }

    [OneTimeTearDown]
    public void Delete() => published?.Dispose();

    [Test]
    public async Task LoneFront_ExecutesAnOfflineRunItself_AndNeedsTheManagedProgramForAnythingElse()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("lone-1").Phase("lone-1-a").Phase("lone-1-b").Build());

        var run = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, "execute", "--run-id", runId);
        var other = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, "db", "version");

        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
        Assert.That(run.Output, Does.Contain($"run {runId} DONE_SUCCESS"));
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM phases WHERE run_id='lone-1' AND status='COMPLETE'"), Is.EqualTo(2));
        Assert.That(other.ExitCode, Is.EqualTo(127), "db version is not compiled into the front: it must be handed off");
        Assert.That(other.Error.Trim(), Does.StartWith("error: ").And.Contain("autopack-managed is missing").And.Not.Contain("\n"));
    }

    /// <summary>
    /// The cron command runs in the front alone (ADR-047): a backup of a live installation and a prune, then the managed
    /// program (a restore is not in the front) restores the archive, digests verified, into a fresh folder.
    /// </summary>
    [Test]
    public async Task LoneFront_BacksUpAndPrunesItself_AndTheManagedRestoreReadsTheArchive()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("lone-backup").Phase("lone-backup-a").Build());
        var run = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, "execute", "--run-id", runId);
        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
        using var backups = new TempDirectory("autopack-front-backups");
        var archive = backups.Combine("autopack-backup-20261206-020000.tar.gz");

        var backup = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, "backup", "--output", archive);
        var prune = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, "backup", "prune", "--dir", backups.Path, "--dry-run");

        // An earlier backup of the same day: the prune keeps the day's newest and deletes it.
        var earlier = backups.Combine("autopack-backup-20261206-010000.tar.gz");
        File.Copy(archive, earlier);
        var pruned = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, "backup", "prune", "--dir", backups.Path);

        Assert.That(backup.ExitCode, Is.Zero, backup.Output + backup.Error);
        Assert.That(backup.Output, Does.StartWith($"backup {archive}: ").And.Contain("schema "));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'backup'"), Is.EqualTo(1), "the backup is in the events trail");
        Assert.That(prune.ExitCode, Is.Zero, prune.Output + prune.Error);
        Assert.That(prune.Output, Does.Contain($"keep         {Path.GetFileName(archive)}  ("));
        Assert.That(pruned.ExitCode, Is.Zero, pruned.Output + pruned.Error);
        Assert.That(pruned.Output, Does.Contain($"pruned 1 of 2 backups in {backups.Path}; kept 1"));
        Assert.That(File.Exists(earlier), Is.False, "the day's older backup is deleted");
        Assert.That(File.Exists(archive), Is.True, "the day's newest is kept");
        using var staging = new TempDirectory("autopack-front-staged");
        Assert.That(
            (await BackupArchiveReader.ExtractAsync(archive, staging.Path)).Manifest.AutopackVersion,
            Is.EqualTo(BackupWriter.AutopackVersion),
            "the front reads its version attribute as the managed program does (no reflection fallback under AOT)");

        using var restored = new TempDirectory("autopack-front-restored");
        var target = new Dictionary<string, string?>
        {
            ["AUTOPACK_DB"] = restored.Combine("autopack.db"),
            ["AUTOPACK_RUNS_DIR"] = restored.Combine(".autonomous_runs"),
            ["AUTOPACK_BUILD_HISTORY"] = restored.Combine("docs", "BUILD_HISTORY.md"),
        };
        var restore = await AutopackProcess.RunProgramAsync(Front, restored.Path, target, Generous, "restore", "--input", archive);
        Assert.That(restore.ExitCode, Is.Zero, restore.Output + restore.Error);
        Assert.That(TestDatabase.Scalar(new SqliteDatabase(restored.Combine("autopack.db")), $"SELECT count(*) FROM runs WHERE run_id = '{runId}' AND status = 'DONE_SUCCESS'"), Is.EqualTo(1));
        Assert.That(Directory.GetFiles(restored.Combine(".autonomous_runs"), "*", SearchOption.AllDirectories), Is.Not.Empty, "the run's logs came along");
    }

    /// <summary>
    /// Commands that succeed without touching anything (help) print exactly what the managed program prints: the front's
    /// backup command is the managed one, not a copy that drifted.
    /// </summary>
    [Test]
    public async Task BackupHelp_TheFrontPrintsExactlyWhatTheManagedProgramPrints()
    {
        using var s = new ExecutorScenario();
        foreach (var args in new[] { new[] { "backup", "--help" }, ["backup", "prune", "--help"], ["backup", "prune", "--dir", s.Db.FolderPath, "--dry-run"] })
        {
            var front = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, s.Environment(), Generous, args);
            var managed = await AutopackProcess.RunAsync(s.Db.FolderPath, s.Environment(), Generous, args);

            Assert.That(front.ExitCode, Is.Zero, string.Join(' ', args) + front.Error);
            Assert.That((front.ExitCode, front.Error, front.Output), Is.EqualTo((managed.ExitCode, managed.Error, managed.Output)), string.Join(' ', args));
        }
    }

    [Test]
    public async Task PublishWhoseFrontFails_OverAnEarlierFront_WarnsAndPutsTheManagedProgramBackAsAutopack()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("fallback-1").Phase("fallback-1-a").Build());
        var autopack = published.Combine("fallback", "autopack");

        var version = await AutopackProcess.RunProgramAsync(autopack, s.Db.FolderPath, s.Environment(), Generous, "db", "version");
        var run = await AutopackProcess.RunProgramAsync(autopack, s.Db.FolderPath, s.Environment(), Generous, "execute", "--run-id", runId);

        Assert.That(fallbackLog, Does.Contain("warning AUTOPACK001").And.Contain("stays the managed program"));
        Assert.That(PublishedLayout.HoldsFront(published.Combine("fallback")), Is.False, "the earlier publish's front and its managed program are gone");
        Assert.That(new FileInfo(autopack).Length, Is.LessThan(new FileInfo(Front).Length / 10), "autopack is the managed launcher again, not the earlier front");
        Assert.That(version.ExitCode, Is.Zero, version.Output + version.Error);
        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
    }

    [Test]
    public async Task ReadmeFlow_ThroughThePublishedFront_CommitsEachApprovedPhaseOnTheRunBranch()
    {
        using var folder = new TempDirectory("autopack-front-readme");
        var environment = new Dictionary<string, string?>
        {
            ["AUTOPACK_DB"] = folder.Combine("autopack.db"),
            ["AUTOPACK_RUNS_DIR"] = folder.Combine(".autonomous_runs"),
            ["AUTOPACK_OFFLINE_LATENCY_MS"] = "0",
        };
        async Task<(int ExitCode, string Output, string Error)> Autopack(params string[] args)
        {
            var result = await AutopackProcess.RunProgramAsync(Front, folder.Path, environment, Generous, args);
            Assert.That(result.ExitCode, Is.Zero, $"autopack {string.Join(' ', args)}: {result.Output} {result.Error}");
            return result;
        }

        await Autopack("db", "migrate");
        await Autopack("sample", "sample-service");
        var created = await Autopack("runs", "create", "--file", RepositoryRoot.Combine("examples", "demo-plan.json"));
        var executed = await Autopack("execute", "--run-id", "demo-1");
        var shown = await Autopack("runs", "show", "demo-1");

        Assert.That(created.Output.Trim(), Is.EqualTo("demo-1"));
        Assert.That(executed.Output, Does.Contain("run demo-1 DONE_SUCCESS"));
        Assert.That(shown.Output, Does.Contain("autopack/demo-1"));
        var commits = new GitRepository(folder.Combine("sample-service")).Log("main..autopack/demo-1");
        Assert.That(commits, Has.Count.EqualTo(3), "one commit per approved phase: " + string.Join(" | ", commits));
    }

    [Test]
    public async Task BadInput_TheFrontAnswersExactlyAsTheManagedProgram()
    {
        using var s = new ExecutorScenario();
        var badSetting = s.Environment();
        badSetting["AUTOPACK_HEARTBEAT_SECONDS"] = "soon";
        var postgres = s.Environment();
        postgres["AUTOPACK_DB"] = "postgresql://autopack:secret@127.0.0.1:1/autopack";
        var cases = new (string Name, Dictionary<string, string?> Environment, string[] Args)[]
        {
            ("an unknown run", s.Environment(), ["execute", "--run-id", "no-such-run"]),
            ("no run id", s.Environment(), ["execute"]),
            ("an unknown option", s.Environment(), ["execute", "--run-id", "x", "--fast"]),
            ("a bad setting", badSetting, ["execute", "--run-id", "x"]),
            ("a backup over an existing file", s.Environment(), ["backup", "--output", s.Db.Database.FullPath]),
            ("an unknown backup option", s.Environment(), ["backup", "--outptu", "x.tar.gz"]),
            ("a negative prune count", s.Environment(), ["backup", "prune", "--dir", s.Db.FolderPath, "--daily", "-1"]),
            ("a backup with a bad setting", badSetting, ["backup", "--output", "x.tar.gz"]),
            ("a backup on PostgreSQL (pg_dump's job)", postgres, ["backup", "--output", "x.tar.gz"]),
        };

        foreach (var (name, environment, args) in cases)
        {
            var front = await AutopackProcess.RunProgramAsync(Front, s.Db.FolderPath, environment, Generous, args);
            var managed = await AutopackProcess.RunAsync(s.Db.FolderPath, environment, Generous, args);

            Assert.That(front.ExitCode, Is.Not.Zero, name);
            Assert.That((front.ExitCode, front.Error, front.Output), Is.EqualTo((managed.ExitCode, managed.Error, managed.Output)), name);
        }

        Assert.That(s.Db.Scalar("SELECT count(*) FROM runs"), Is.Zero, "bad input stores nothing");
    }

    [Test]
    public Task StopFile_ThroughTheFront_PausesTheRun_ThenTheFrontFinishesIt() => ExecutorControlScenarios.StopFileThenExecuteAgainAsync("front-stop", Front);

    [Test]
    public Task Sigterm_ToTheFrontMidCall_IsAGracefulStop() => ExecutorControlScenarios.SigtermMidCallAsync("front-term", Front);

    [Test]
    public async Task AnthropicRun_IsHandedToTheManagedProgram_WhichCallsTheProvider()
    {
        await using var standIn = await ProviderStandIn.StartAsync();
        using var s = new ExecutorScenario();
        var environment = s.Environment();
        environment["AUTOPACK_ANTHROPIC_BASE_URL"] = standIn.BaseUrl;
        environment["AUTOPACK_ANTHROPIC_API_KEY"] = "sk-ant-front-test";
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("front-ant").Phase("front-ant-a", provider: "anthropic").Build());

        var alone = await AutopackProcess.RunProgramAsync(LoneFront, s.Db.FolderPath, environment, Generous, "execute", "--run-id", runId);
        Assert.That(alone.ExitCode, Is.EqualTo(127), "the front has no Anthropic provider and hands the run off: " + alone.Output + alone.Error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("QUEUED"), "nothing was done before the hand-off");
        Assert.That(standIn.Received, Is.Empty);

        using var executor = AutopackProcess.StartProgram(Front, s.Db.FolderPath, environment, "execute", "--run-id", runId);
        Assert.That(await Eventually.TrueAsync(() => standIn.Received.Any(c => c.Path == "/v1/messages"), TimeSpan.FromSeconds(30)), Is.True, executor.Output + executor.Error);
        await OperatorShell.Echo($"abort:{runId}", Path.Combine(s.RunsDirectory, ".abort_run"));

        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True, executor.Output + executor.Error);
        Assert.That(executor.ExitCode, Is.Zero, executor.Output + executor.Error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("ABORTED"));
        var call = standIn.Received.First(c => c.Path == "/v1/messages");
        Assert.That(call.Authorization, Is.EqualTo("Bearer sk-ant-front-test"), "the official SDK sends the key as a Bearer token");
    }

    [Test]
    public async Task Worker_StartedThroughTheFront_KeepsItsPid_AndStartsItsExecutorsWithTheFront()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("front-worker").Phase("front-worker-a").Build());
        using var worker = AutopackProcess.StartProgram(Front, s.Db.FolderPath, s.Environment(), "worker", "--concurrency", "1");

        var done = await Eventually.TrueAsync(() => s.RunStatus(runId) == "DONE_SUCCESS", TimeSpan.FromSeconds(60));
        worker.Terminate();

        Assert.That(done, Is.True, worker.Output + worker.Error);
        Assert.That(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True, worker.Output + worker.Error);
        Assert.That(worker.ExitCode, Is.Zero, worker.Output + worker.Error);
        Assert.That(worker.Output + worker.Error, Does.Contain($"(pid {worker.Pid} on "), "the hand-off replaced the front in place (execv): one process, one PID");
        Assert.That(worker.Output + worker.Error, Does.Contain($"executors: {Front} execute --run-id <run-id>"), "the managed worker starts executors with the front beside it");
    }

    [Test]
    public async Task PostgresRun_ThroughTheFront_EndsDoneSuccess()
    {
        using var pg = new TestPostgresDatabase();
        using var s = new ExecutorScenario();
        var environment = s.Environment();
        environment["AUTOPACK_DB"] = pg.Url;
        var runId = await pg.CreateRunAsync(new PlanBuilder("front-pg").Phase("front-pg-a").Phase("front-pg-b").Build());

        var run = await AutopackProcess.RunProgramAsync(Front, s.Db.FolderPath, environment, Generous, "execute", "--run-id", runId);

        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
        Assert.That(pg.Scalar($"SELECT count(*) FROM runs WHERE run_id='{runId}' AND status='DONE_SUCCESS'"), Is.EqualTo(1));
        Assert.That(pg.Scalar($"SELECT count(*) FROM phases WHERE run_id='{runId}' AND status='COMPLETE'"), Is.EqualTo(2));
        Assert.That(pg.Scalar($"SELECT count(*) FROM llm_usage_events WHERE run_id='{runId}'"), Is.GreaterThan(0));
    }
}
