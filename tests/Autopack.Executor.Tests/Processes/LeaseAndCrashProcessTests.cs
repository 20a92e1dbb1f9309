using Autopack.Testing;

namespace Autopack.Executor.Tests.Processes;

/// <summary>One executor per run, and recovery from an executor killed with SIGKILL, with real processes.</summary>
public class LeaseAndCrashProcessTests
{
    [Test]
    public async Task SecondExecutor_WhileLeaseFresh_IsRefusedNonZero()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("lease-1").Phase("lease-1-a").Build());
        using var first = s.StartExecutor(runId, 30_000);
        Assert.That(await Eventually.TrueAsync(() => s.PhaseStatus("lease-1-a") == "EXECUTING", TimeSpan.FromSeconds(20)), Is.True, first.Output + first.Error);

        var (code, _, error) = await AutopackProcess.RunAsync(s.Db.FolderPath, s.Environment(), TimeSpan.FromSeconds(30), "execute", "--run-id", runId);

        Assert.That(code, Is.EqualTo(3));
        Assert.That(error, Does.Contain($"pid {first.Pid}"));
        Assert.That(first.HasExited, Is.False);
        Assert.That(s.RunStatus(runId), Is.EqualTo("EXECUTING"));
    }

    [Test]
    public async Task KillNine_HolderOnOtherHostFreshHeartbeat_RefusedUntilStaleThenTakenOver()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("stale-1").Phase("stale-1-a").Build());
        var now = Autopack.Storage.Database.DbTime.ToText(TimeProvider.System.GetUtcNow().UtcDateTime);
        using (var connection = s.Db.Database.Open())
        using (var insert = connection.CreateCommand())
        {
            // An executor on another machine sharing the database: its pid means nothing here, only its heartbeat counts.
            insert.CommandText = $"INSERT INTO executor_leases VALUES ('{runId}', 'other-owner', 424242, 'another-host', '{now}', '{now}')";
            insert.ExecuteNonQuery();
        }

        var environment = s.Environment();
        environment["AUTOPACK_LEASE_STALE_SECONDS"] = "60"; // fresh for the whole refusal, however slow the machine
        var refused = await AutopackProcess.RunAsync(s.Db.FolderPath, environment, TimeSpan.FromSeconds(30), "execute", "--run-id", runId);
        Assert.That(refused.ExitCode, Is.EqualTo(3), refused.Output + refused.Error);
        Assert.That(refused.Error, Does.Contain("another-host"));
        Assert.That(s.RunStatus(runId), Is.EqualTo("QUEUED"), "a refused executor writes nothing");

        // The other machine's executor goes silent: its heartbeat ages past the stale limit.
        var old = Autopack.Storage.Database.DbTime.ToText(TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-61));
        Assert.That(s.Db.Scalar($"UPDATE executor_leases SET heartbeat_at = '{old}' WHERE run_id = '{runId}'; SELECT changes()"), Is.EqualTo(1));
        var resumed = await AutopackProcess.RunAsync(s.Db.FolderPath, environment, TimeSpan.FromSeconds(60), "execute", "--run-id", runId);

        Assert.That(resumed.ExitCode, Is.Zero, resumed.Error);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind='lease_taken_over'"), Is.EqualTo(1));
    }

    [Test]
    public async Task KillNine_AtRandomMoments_ReExecuteFinishesWithConsistentUsage()
    {
        using var s = new ExecutorScenario();
        const long runCap = 60_000;
        var plan = new PlanBuilder("crash-1", runCap: runCap);
        for (var i = 1; i <= 6; i++)
        {
            plan.Phase($"crash-1-p{i}", cap: 6_000, verify: "true", offlineRejections: i % 2);
        }

        var runId = await s.Db.CreateRunAsync(plan.Build());
        var random = new Random(20261125);
        var kills = 0;
        for (var round = 0; round < 12 && s.RunStatus(runId) != "DONE_SUCCESS"; round++)
        {
            using var executor = s.StartExecutor(runId, offlineLatencyMs: 150);
            Assert.That(await Eventually.TrueAsync(() => s.Db.Scalar($"SELECT count(*) FROM executor_leases WHERE pid={executor.Pid}") == 1 || executor.HasExited, TimeSpan.FromSeconds(20)), Is.True, executor.Error);
            await Task.Delay(random.Next(50, 900));
            if (!executor.HasExited)
            {
                executor.Kill(); // SIGKILL by our own handle: no chance to clean up
                kills++;
            }

            AssertUsageConsistent(s, runId, runCap);

            // The killed executor's lease is still in the table; the next execute sees its pid is gone and takes over.
        }

        if (s.RunStatus(runId) != "DONE_SUCCESS")
        {
            var (code, _, error) = await AutopackProcess.RunAsync(s.Db.FolderPath, s.Environment(), TimeSpan.FromSeconds(90), "execute", "--run-id", runId);
            Assert.That(code, Is.Zero, error);
        }

        Assert.That(kills, Is.GreaterThanOrEqualTo(3), "the test must actually kill executors mid-run");
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        AssertUsageConsistent(s, runId, runCap);
        Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        Assert.That(s.Db.Scalar("SELECT count(*) FROM phases WHERE run_id='crash-1' AND status='COMPLETE'"), Is.EqualTo(6));
        Assert.That(s.Db.Scalar("SELECT max(attempts) FROM phases WHERE run_id='crash-1'"), Is.LessThanOrEqualTo(3), "interrupted attempts are not used up");
        Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE run_id='crash-1' AND kind IN ('run_recovered','run_resumed')"), Is.GreaterThan(0));
    }

    private static void AssertUsageConsistent(ExecutorScenario s, string runId, long runCap)
    {
        Assert.That(s.Db.Scalar($"SELECT coalesce(sum(prompt_tokens+completion_tokens),0) FROM llm_usage_events WHERE run_id='{runId}'"), Is.LessThanOrEqualTo(runCap));
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM (SELECT u.phase_id FROM llm_usage_events u JOIN phases p ON p.phase_id=u.phase_id WHERE u.run_id='{runId}' GROUP BY u.phase_id HAVING sum(u.prompt_tokens+u.completion_tokens) > max(p.token_cap))"), Is.Zero, "no phase past its cap");
        Assert.That(s.Db.Scalar($"SELECT count(*) FROM llm_usage_events WHERE run_id='{runId}' AND (prompt_tokens < 0 OR completion_tokens < 0 OR role NOT IN ('builder','auditor'))"), Is.Zero);
        Assert.That(s.Text("PRAGMA integrity_check"), Is.EqualTo("ok"));
    }
}
