using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Runs;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

/// <summary>Stop, abort and timeout write the same control files an operator writes with echo.</summary>
public sealed class ControlTests
{
    private ApiHarness api = null!;

    [SetUp]
    public void StartApi() => api = new ApiHarness();

    [TearDown]
    public void StopApi() => api.Dispose();

    [TestCase("stop", ".stop_executor")]
    [TestCase("abort", ".abort_run")]
    public async Task PostRunControl_ActiveRun_Returns202AndWritesTheControlFile(string command, string file)
    {
        await api.Db.CreateRunAsync(new PlanBuilder("ctl-1").Phase("ctl-1-p1").Build());
        await api.Service<ExecutorLeases>().TryAcquireAsync("ctl-1", "test-owner", Environment.ProcessId, Environment.MachineName, TimeSpan.FromSeconds(15));
        var before = RowCounts.Of(api.Db);

        using var response = await api.PostAsync($"/runs/ctl-1/{command}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var body = await ApiHarness.ReadJsonAsync(response);
        var path = Path.Combine(api.Db.RunsDirectory, file);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(path), Is.EqualTo($"{command}:ctl-1\n"));
            Assert.That(body.GetProperty("control_file").GetString(), Is.EqualTo(path));
            Assert.That(body.GetProperty("content").GetString(), Is.EqualTo($"{command}:ctl-1"));
            Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before), "the executor records the command when it handles it");
            Assert.That(api.Db.Scalar($"SELECT count(*) FROM control_requests WHERE run_id='ctl-1' AND kind='{command}' AND source='api' AND handled_at IS NULL"), Is.EqualTo(1),
                "the request is stored for the run, so another run's request cannot overwrite it");
            Assert.That(body.GetProperty("request_id").GetInt64(), Is.Positive);
        });
    }

    [Test]
    public async Task PostRunAbort_QueuedRunThatNoExecutorHolds_AbortedAtOnce()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("ctl-5").Phase("ctl-5-p1").Phase("ctl-5-p2").Build());

        using var response = await api.PostAsync("/runs/ctl-5/abort");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var body = await ApiHarness.ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("run_status").GetString(), Is.EqualTo("ABORTED"));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM runs WHERE run_id='ctl-5' AND status='ABORTED' AND finished_at IS NOT NULL"), Is.EqualTo(1), "no executor needed");
            Assert.That(api.Db.Scalar("SELECT count(*) FROM phases WHERE run_id='ctl-5' AND status='SKIPPED'"), Is.EqualTo(2));
            Assert.That(api.Db.Scalar("SELECT count(*) FROM control_requests WHERE run_id='ctl-5' AND source='api' AND handled_at IS NOT NULL"), Is.EqualTo(1), "handled once");
            Assert.That(api.Db.Scalar("SELECT count(*) FROM events WHERE run_id='ctl-5' AND kind='control_command'"), Is.EqualTo(1), "recorded once");
            Assert.That(api.Db.Scalar("SELECT count(*) FROM events WHERE run_id='ctl-5' AND kind='run_status' AND message LIKE 'QUEUED -> ABORTED%'"), Is.EqualTo(1));
            Assert.That(File.Exists(Path.Combine(api.Db.RunsDirectory, ".abort_run")), Is.False, "no executor is left to consume a file");
        });
    }

    [Test]
    public async Task PostRunAbort_RunHeldByALiveExecutor_LeftToTheExecutor()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("ctl-6").Phase("ctl-6-p1").Build());
        await api.Service<ExecutorLeases>().TryAcquireAsync("ctl-6", "test-owner", Environment.ProcessId, Environment.MachineName, TimeSpan.FromSeconds(15));

        using var response = await api.PostAsync("/runs/ctl-6/abort");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(api.Db.Scalar("SELECT count(*) FROM runs WHERE run_id='ctl-6' AND status='QUEUED'"), Is.EqualTo(1), "its executor acts on it");
        Assert.That(api.Db.Scalar("SELECT count(*) FROM control_requests WHERE run_id='ctl-6' AND handled_at IS NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task PostPhaseTimeout_QueuedPhase_Returns202AndWritesForceTimeout()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("ctl-2").Phase("ctl-2-p1").Build());

        using var response = await api.PostAsync("/phases/ctl-2-p1/timeout");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(File.ReadAllText(Path.Combine(api.Db.RunsDirectory, ".force_timeout")), Is.EqualTo("timeout:ctl-2-p1\n"));
    }

    [TestCase("/runs/ghost/stop")]
    [TestCase("/runs/ghost/abort")]
    [TestCase("/phases/ghost/timeout")]
    public async Task PostControl_Unknown_Returns404AndWritesNoFile(string path)
    {
        using var response = await api.PostAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("'ghost' not found"));
            Assert.That(Directory.Exists(api.Db.RunsDirectory) ? Directory.GetFiles(api.Db.RunsDirectory, ".*") : [], Is.Empty);
        });
    }

    [TestCase("stop")]
    [TestCase("abort")]
    public async Task PostRunControl_EndedRun_Returns409NamingRunId(string command)
    {
        await api.Db.CreateRunAsync(new PlanBuilder("ctl-3").Phase("ctl-3-p1").Build());
        await api.Service<RunStateWriter>().TransitionRunAsync("ctl-3", RunStatus.Aborted);

        using var response = await api.PostAsync($"/runs/ctl-3/{command}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("ABORTED"));
            Assert.That(problem.GetProperty("errors").TryGetProperty("run_id", out _), Is.True);
            Assert.That(File.Exists(Path.Combine(api.Db.RunsDirectory, ".stop_executor")), Is.False);
        });
    }

    [Test]
    public async Task PostPhaseTimeout_EndedPhase_Returns409NamingPhaseId()
    {
        await api.Db.CreateRunAsync(new PlanBuilder("ctl-4").Phase("ctl-4-p1").Build());
        await api.Service<RunStateWriter>().TransitionPhaseAsync("ctl-4-p1", PhaseStatus.Skipped);

        using var response = await api.PostAsync("/phases/ctl-4-p1/timeout");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("errors").TryGetProperty("phase_id", out _), Is.True);
    }
}
