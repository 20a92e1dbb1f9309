using Autopack.Testing;

namespace Autopack.Worker.Tests.Processes;

/// <summary>
/// Three real <c>autopack worker</c> processes ("three hosts") on one database; one of them, with its executors,
/// killed -9 mid-way as a dead host would be; on SQLite (one file, one write lock) and on PostgreSQL (row locks,
/// SKIP LOCKED claims), the test's SQL valid on both.
/// </summary>
public class WorkerTakeoverProcessTests
{
    private const int Runs = 12;
    private const long RunCap = 2_400;
    private const long PhaseCap = 2_100;

    [TestCase(WorkerScenario.Sqlite)]
    [TestCase(WorkerScenario.Postgres)]
    public async Task Workers_OneKilledNineMidway_AllRunsEndNoneExecutedTwiceAtOnceNoCapPassed(string engine)
    {
        using var s = new WorkerScenario(engine);
        var ids = Enumerable.Range(1, Runs).Select(i => $"tk-{i:D2}").ToList();
        foreach (var id in ids)
        {
            // Caps a retried phase just fits (builder ~770 + auditor ~118 tokens per attempt, 512 output reserved).
            await s.CreateRunAsync(new PlanBuilder(id, runCap: RunCap).Phase($"{id}-a", cap: PhaseCap, verify: s.Verify(id)).Build());
        }

        using var victim = s.StartWorker(concurrency: 2, offlineLatencyMs: 300, groupLeader: true);
        using var second = s.StartWorker(concurrency: 2, offlineLatencyMs: 300);
        using var third = s.StartWorker(concurrency: 2, offlineLatencyMs: 300);

        // Mid-way: some runs done, and the victim executing two runs of its own (past their start, so there is work to take over).
        var victimId = string.Empty;
        var midway = await WorkerScenario.WaitUntilAsync(
            () =>
            {
                victimId = s.Text($"SELECT worker_id FROM workers WHERE pid = {victim.Pid}");
                return s.Scalar("SELECT count(*) FROM runs WHERE status = 'DONE_SUCCESS'") >= 2
                    && s.Scalar($"SELECT count(*) FROM run_claims c JOIN runs r ON r.run_id = c.run_id WHERE c.worker_id = '{victimId}' AND c.released_at IS NULL AND r.status = 'EXECUTING'") == 2;
            },
            TimeSpan.FromSeconds(120));
        Assert.That(midway, Is.True, $"victim: {victim.Output}{victim.Error}");
        var victimExecutors = s.Column($"SELECT l.pid FROM executor_leases l JOIN run_claims c ON c.run_id = l.run_id WHERE c.worker_id = '{victimId}' AND c.released_at IS NULL");

        victim.KillGroup(); // the worker and its executors, at once

        // What it held when it died (a run that ended in the last milliseconds is not one to take over).
        var victimRuns = s.Column(
            $"SELECT c.run_id FROM run_claims c JOIN runs r ON r.run_id = c.run_id WHERE c.worker_id = '{victimId}' AND c.released_at IS NULL AND r.status IN ('QUEUED', 'EXECUTING')");
        Assert.That(victimRuns, Is.Not.Empty);

        Assert.That(
            await WorkerScenario.WaitUntilAsync(() => !victimExecutors.Select(int.Parse).Any(IsAlive), TimeSpan.FromSeconds(10)),
            Is.True,
            "the executors died with their worker (SIGKILL to the group is delivered asynchronously)");
        var ended = await WorkerScenario.WaitUntilAsync(
            () => s.Scalar("SELECT count(*) FROM runs WHERE status IN ('QUEUED', 'EXECUTING', 'PAUSED')") == 0,
            TimeSpan.FromSeconds(150));
        Assert.That(ended, Is.True, $"runs: {string.Join(", ", s.Column("SELECT run_id || ' ' || status FROM runs"))}\n{second.Output}\n{third.Output}");

        second.Terminate();
        third.Terminate();
        Assert.That(await second.WaitForExitAsync(TimeSpan.FromSeconds(30)) && await third.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(
                s.Column("SELECT status FROM runs"),
                Has.Count.EqualTo(Runs).And.All.EqualTo("DONE_SUCCESS"),
                string.Join("\n", s.Column(
                    "SELECT r.run_id || ': ' || coalesce(r.failure_reason, '') || ' / ' || p.status || ' ' || p.attempts || ' ' || coalesce(p.failure_reason, '') "
                    + "FROM runs r JOIN phases p ON p.run_id = r.run_id WHERE r.status <> 'DONE_SUCCESS'"))
                + "\nusage of those runs (role prompt+completion, in order):\n" + string.Join("\n", s.Column(
                    "SELECT u.run_id || ' ' || u.role || ' ' || u.prompt_tokens || '+' || u.completion_tokens FROM llm_usage_events u "
                    + "JOIN runs r ON r.run_id = u.run_id WHERE r.status <> 'DONE_SUCCESS' ORDER BY u.id"))
                + "\ntheir takeovers and claims (victim runs: " + string.Join(", ", victimRuns) + "):\n" + string.Join("\n", s.Column(
                    "SELECT e.run_id || ' ' || e.kind || ' ' || e.message FROM events e JOIN runs r ON r.run_id = e.run_id "
                    + "WHERE r.status <> 'DONE_SUCCESS' AND (e.kind LIKE '%taken_over%' OR e.kind LIKE '%claim%') ORDER BY e.id")));
            Assert.That(s.Scalar("SELECT count(*) FROM phases WHERE status = 'COMPLETE' AND commit_sha IS NOT NULL"), Is.EqualTo(Runs), "each phase one commit");
            Assert.That((second.ExitCode, third.ExitCode), Is.EqualTo((0, 0)), second.Error + third.Error);

            // Taken over, visibly: the dead worker's claims released by the claim that took its runs over.
            foreach (var run in victimRuns)
            {
                Assert.That(s.Column($"SELECT outcome FROM run_claims WHERE run_id = '{run}' AND worker_id = '{victimId}'"), Has.One.StartsWith("taken over by worker "), run);
                Assert.That(s.Scalar($"SELECT count(*) FROM events WHERE run_id = '{run}' AND kind = 'run_claim_taken_over'"), Is.EqualTo(1), run);
            }

            Assert.That(
                s.Scalar($"SELECT count(*) FROM run_claims WHERE released_at IS NULL AND NOT (worker_id = '{victimId}' AND run_id NOT IN ('{string.Join("','", victimRuns)}'))"),
                Is.Zero,
                "every claim released (but a dead worker's claim of a run that ended as it died, closed when the worker is removed)");
            Assert.That(s.Text($"SELECT state FROM workers WHERE worker_id = '{victimId}'"), Is.EqualTo("RUNNING"), "the dead worker stays listed (stale) for operators");
            Assert.That(s.Scalar("SELECT count(*) FROM workers"), Is.EqualTo(1), "the others removed themselves on SIGTERM");

            // No cap passed.
            Assert.That(s.Scalar($"SELECT count(*) FROM (SELECT run_id FROM llm_usage_events GROUP BY run_id HAVING sum(prompt_tokens + completion_tokens) > {RunCap}) AS over_cap"), Is.Zero);
            Assert.That(s.Scalar($"SELECT count(*) FROM (SELECT phase_id FROM llm_usage_events GROUP BY phase_id HAVING sum(prompt_tokens + completion_tokens) > {PhaseCap}) AS over_cap"), Is.Zero);
            Assert.That(s.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        });

        // Never two executors at once on a run: its verify windows, in order, never overlap, and once another
        // executor took the run over, the earlier one never ran a verify for it again.
        var windows = s.VerifyWindows();
        Assert.That(windows.Select(w => w.RunId).Distinct(), Is.EquivalentTo(ids), "every run's verify commands recorded");
        Assert.That(windows.Where(w => victimRuns.Contains(w.RunId)).Select(w => (w.RunId, w.ExecutorPid)).Distinct().Count(), Is.GreaterThanOrEqualTo(victimRuns.Count));
        foreach (var run in windows.GroupBy(w => w.RunId))
        {
            var ordered = run.OrderBy(w => w.StartNs).ToList();
            Assert.That(ordered, Has.All.Matches<VerifyWindow>(w => w.EndNs is not null), $"{run.Key}: every verify ended");
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.That(ordered[i].StartNs, Is.GreaterThanOrEqualTo(ordered[i - 1].EndNs!.Value), $"{run.Key}: verify windows overlap: {ordered[i - 1]} and {ordered[i]}");
            }

            var executors = ordered.Select(w => w.ExecutorPid).ToList();
            var blocks = executors.Where((pid, i) => i == 0 || executors[i - 1] != pid).ToList();
            Assert.That(blocks, Is.Unique, $"{run.Key}: executors interleaved: {string.Join(", ", executors)}");
        }
    }

    private static bool IsAlive(int pid)
    {
        // A killed process may linger as a zombie until it is reaped; its state letter in /proc says so.
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
