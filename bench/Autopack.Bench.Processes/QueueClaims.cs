using System.Diagnostics;
using System.Globalization;
using Autopack.Storage.Database;
using Autopack.Storage.Queue;

namespace Autopack.Bench.Processes;

/// <summary>
/// Runs claimed per second on SQLite: K claimers (each a registered worker on its own thread and connection, as K
/// worker processes would be) take QUEUED runs through <see cref="RunClaims"/>, the one IMMEDIATE transaction
/// `autopack worker` uses. Two cases: claim only (the queue drained as fast as claims go), and the full cycle a
/// worker makes per run (claim, the run ends, release) under an executing_limit, which adds the limit's count.
/// </summary>
internal static class QueueClaims
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    public static async Task RunAsync(int runs)
    {
        foreach (var claimers in new[] { 1, 4, 16 })
        {
            var (claimed, elapsed) = await MeasureAsync(runs, claimers, cycle: false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"claim only: {claimers,2} claimer(s), {claimed} runs in {elapsed.TotalSeconds:F2} s = {claimed / elapsed.TotalSeconds:F0} claims/s ({elapsed.TotalMilliseconds / claimed:F2} ms each)"));
        }

        foreach (var claimers in new[] { 1, 4, 16 })
        {
            var (claimed, elapsed) = await MeasureAsync(runs / 2, claimers, cycle: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"claim + end + release, executing_limit 8: {claimers,2} claimer(s), {claimed} runs in {elapsed.TotalSeconds:F2} s = {claimed / elapsed.TotalSeconds:F0} runs/s"));
        }
    }

    private static async Task<(int Claimed, TimeSpan Elapsed)> MeasureAsync(int runs, int claimers, bool cycle)
    {
        using var installation = new Installation();
        var database = installation.Db.Database;
        SeedRuns(database, runs);
        var time = TimeProvider.System;
        var claims = new RunClaims(database, time);
        if (cycle)
        {
            await new QueueControl(database, time).UpdateAsync(new QueueChange(ChangeLimit: true, ExecutingLimit: 8), "bench");
        }

        var workers = new List<WorkerRegistration>();
        for (var i = 0; i < claimers; i++)
        {
            var worker = new WorkerRegistration($"bench-{i}", "bench", 1000 + i, 8);
            await new WorkerRegistry(database, time).RegisterAsync(worker);
            workers.Add(worker);
        }

        var start = Stopwatch.GetTimestamp();
        var counts = await Task.WhenAll(workers.Select(worker => Task.Run(async () =>
        {
            var mine = 0;
            while (true)
            {
                var attempt = await claims.TryClaimAsync(worker, Stale);
                if (attempt.Claim is not { } claim)
                {
                    if (attempt.Reason.StartsWith("executing_limit", StringComparison.Ordinal))
                    {
                        await Task.Delay(1); // another claimer holds the slots for a moment (a worker would wait its poll interval)
                        continue;
                    }

                    return mine;
                }

                mine++;
                if (cycle)
                {
                    // The run ends (as its executor would record it), then the worker releases the claim.
                    await using (var connection = await database.OpenAsync())
                    await using (var done = connection.CreateCommand())
                    {
                        done.CommandText = "UPDATE runs SET status = 'DONE_SUCCESS' WHERE run_id = $r";
                        done.Parameters.AddWithValue("$r", claim.RunId);
                        await done.ExecuteNonQueryAsync();
                    }

                    await claims.ReleaseAsync(claim, 0, workerStopping: false, Stale);
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var claimed = counts.Sum();
        if (claimed != runs)
        {
            throw new InvalidOperationException($"{claimed} claims for {runs} runs");
        }

        return (claimed, elapsed);
    }

    /// <summary>QUEUED runs with distinct creation times, inserted in one transaction (only the columns a claim reads matter).</summary>
    private static void SeedRuns(SqliteDatabase database, int runs)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO runs (run_id, status, goal, token_cap, created_at) VALUES ($r, 'QUEUED', 'bench', 1000, $c)";
        var id = insert.Parameters.Add("$r", Microsoft.Data.Sqlite.SqliteType.Text);
        var created = insert.Parameters.Add("$c", Microsoft.Data.Sqlite.SqliteType.Text);
        var origin = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < runs; i++)
        {
            id.Value = $"bench-run-{i:D6}";
            created.Value = DbTime.ToText(origin.AddMilliseconds(i));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
