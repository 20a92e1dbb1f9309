using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Testing;

namespace Autopack.Cli.Tests.Commands;

/// <summary><c>autopack queue status|pause|resume|limit|requeue</c>, <c>autopack drain</c> and the argument checks of <c>autopack worker</c>, in-process.</summary>
public class QueueCommandsTests
{
    private CliHarness cli = null!;

    [SetUp]
    public async Task SetUp()
    {
        cli = new CliHarness(sample: false);
        await cli.RunOkAsync("db", "migrate");
    }

    [TearDown]
    public void TearDown() => cli.Dispose();

    private long Scalar(string sql)
    {
        using var connection = cli.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task CreateRunAsync(string runId) =>
        new Storage.Runs.RunStore(cli.Database, TimeProvider.System).CreateAsync(new PlanBuilder(runId).Phase($"{runId}-a").Build(), TestDatabase.DefaultCaps);

    [Test]
    public async Task Status_RunsAndAWorker_PrintsCountsSettingsAndTheWorker()
    {
        await CreateRunAsync("s-1");
        await CreateRunAsync("s-2");
        var worker = new WorkerRegistration("w-cli", "host-a", 777, 3);
        await new WorkerRegistry(cli.Database, TimeProvider.System).RegisterAsync(worker);
        await new RunClaims(cli.Database, TimeProvider.System).TryClaimAsync(worker, TimeSpan.FromSeconds(15));

        var result = await cli.RunOkAsync("queue", "status");

        Assert.That(result.OutputLines, Has.Some.EqualTo("dispatch:          on"));
        Assert.That(result.OutputLines, Has.Some.EqualTo("mode:              NORMAL"));
        Assert.That(result.OutputLines, Has.Some.EqualTo("executing_limit:   none"));
        Assert.That(result.OutputLines, Has.Some.StartsWith("queued:            1 (oldest created "));
        Assert.That(result.OutputLines, Has.Some.EqualTo("executing:         1"));
        Assert.That(result.OutputLines, Has.Some.EqualTo("dispatch possible: yes"));
        Assert.That(result.OutputLines, Has.Some.StartsWith("heartbeat:         warn: backlog growing"));
        Assert.That(result.OutputLines, Has.Some.Match(@"^w-cli\s+host-a\s+777\s+RUNNING\s+1/3\s+\d+s ago$"));
        Assert.That(result.Error, Is.Empty);
    }

    [Test]
    public async Task PauseLimitResume_EachStoredAndSaidInOneLine()
    {
        var pause = await cli.RunOkAsync("queue", "pause");
        var limit = await cli.RunOkAsync("queue", "limit", "4");
        var paused = Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 0 AND executing_limit = 4 AND updated_by = 'cli'");
        var resume = await cli.RunOkAsync("queue", "resume");
        var none = await cli.RunOkAsync("queue", "limit", "none");

        Assert.That(pause.OutputLines, Is.EqualTo(new[] { "dispatch off: workers claim nothing more; running runs go on (autopack queue resume to undo)" }));
        Assert.That(limit.OutputLines, Is.EqualTo(new[] { "executing_limit 4: at most 4 run(s) executing across all workers" }));
        Assert.That(paused, Is.EqualTo(1));
        Assert.That(resume.OutputLines, Is.EqualTo(new[] { "dispatch on: workers claim QUEUED runs" }));
        Assert.That(none.OutputLines, Is.EqualTo(new[] { "no executing_limit: each worker's --concurrency only" }));
        Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 1 AND executing_limit IS NULL"), Is.EqualTo(1));
        Assert.That(Scalar("SELECT count(*) FROM events WHERE kind = 'queue_changed' AND message LIKE '%(by cli)'"), Is.EqualTo(4));
    }

    [TestCase("0", "N: must be at least 1 (to start nothing, pause the queue)")]
    [TestCase("-1", "N: must be at least 1 (to start nothing, pause the queue)")]
    [TestCase("100001", "N: must be at most 100000")]
    [TestCase("four", "N: 'four' is not a whole number (or 'none')")]
    [TestCase("2.5", "N: '2.5' is not a whole number (or 'none')")]
    public async Task Limit_BadValue_OneLineExit2NothingStored(string value, string message)
    {
        var result = await cli.RunAsync("queue", "limit", value);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { $"error: {message}" }));
        Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE executing_limit IS NULL"), Is.EqualTo(1));
        Assert.That(Scalar("SELECT count(*) FROM events"), Is.Zero);
    }

    [Test]
    public async Task Requeue_PausedThenQueuedThenUnknown_Exit0Then5Then4()
    {
        await CreateRunAsync("r-1");
        Scalar("UPDATE runs SET status = 'PAUSED' WHERE run_id = 'r-1'; SELECT changes()");

        var requeued = await cli.RunAsync("queue", "requeue", "r-1");
        var again = await cli.RunAsync("queue", "requeue", "r-1");
        var unknown = await cli.RunAsync("queue", "requeue", "nope");

        Assert.That(requeued.ExitCode, Is.Zero, requeued.ToString());
        Assert.That(requeued.OutputLines, Is.EqualTo(new[] { "run r-1 QUEUED: the next free worker resumes it" }));
        Assert.That((again.ExitCode, again.ErrorLines.Single()), Is.EqualTo((5, "error: run r-1: illegal transition QUEUED -> QUEUED")));
        Assert.That((unknown.ExitCode, unknown.ErrorLines.Single()), Is.EqualTo((4, "error: run 'nope' not found")));
    }

    [Test]
    public async Task Drain_NothingExecuting_WaitReturnsAtOnceAndCancelGoesBackToNormal()
    {
        var drain = await cli.RunOkAsync("drain", "--wait", "--timeout", "30");
        var draining = Scalar("SELECT count(*) FROM queue_settings WHERE mode = 'DRAINING'");
        var status = await cli.RunOkAsync("queue", "status");
        var cancel = await cli.RunOkAsync("drain", "--cancel");

        Assert.That(drain.OutputLines, Is.EqualTo(new[] { "mode DRAINING: nothing new starts; 0 run(s) executing", "drained: nothing executing" }));
        Assert.That(draining, Is.EqualTo(1));
        Assert.That(status.OutputLines, Has.Some.EqualTo("mode:              DRAINING (drained: nothing executing)"));
        Assert.That(cancel.OutputLines, Is.EqualTo(new[] { "mode NORMAL: workers claim QUEUED runs again (0 queued)" }));
        Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE mode = 'NORMAL'"), Is.EqualTo(1));
    }

    [Test]
    public async Task DrainWait_ARunStillHeld_TimesOutExit1AndStaysDraining()
    {
        await CreateRunAsync("held");
        var now = DbTime.ToText(TimeProvider.System.GetUtcNow());
        Scalar($"INSERT INTO executor_leases VALUES ('held', 'o', 1, 'h', '{now}', '{now}'); SELECT changes()");

        var result = await cli.RunAsync("drain", "--wait", "--timeout", "1");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { "error: --timeout: still 1 run(s) executing after 1s (the queue stays DRAINING)" }));
        Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE mode = 'DRAINING'"), Is.EqualTo(1));
    }

    [TestCase(new[] { "drain", "--wait", "--cancel" }, "error: --cancel: cannot be combined with --wait")]
    [TestCase(new[] { "drain", "--wait", "--timeout", "0" }, "error: --timeout: must be from 1 to 86400 seconds, got 0")]
    [TestCase(new[] { "worker", "--concurrency", "0" }, "error: --concurrency: must be from 1 to 256, got 0")]
    [TestCase(new[] { "worker", "--concurrency", "257" }, "error: --concurrency: must be from 1 to 256, got 257")]
    public async Task BadArguments_OneLineExit2NothingChanged(string[] args, string message)
    {
        var result = await cli.RunAsync(args);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines, Is.EqualTo(new[] { message }));
        Assert.That(Scalar("SELECT count(*) FROM events"), Is.Zero);
        Assert.That(Scalar("SELECT count(*) FROM workers"), Is.Zero);
    }

    [Test]
    public async Task Worker_DatabaseNotMigrated_OneLineExit1()
    {
        using var fresh = new CliHarness(sample: false);

        var result = await fresh.RunAsync("worker");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines.Single(), Does.StartWith("error: no database at ").And.EndWith("run 'autopack db migrate' first (or set AUTOPACK_DB)"));
    }
}
