using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Autopack.Domain.Plans;
using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Testing;

namespace Autopack.Bench.Processes;

/// <summary>
/// The two hot writes of a worker fleet, on each engine side by side (issue 15): runs claimed per second through
/// <see cref="RunClaims"/> (the one write transaction `autopack worker` claims with) by 1, 4 and 16 claimers, each a
/// registered worker on its own thread (as worker processes would be); and reserve + settle through
/// <see cref="TokenLedger"/> (the budget's two write transactions per provider call) from 1 and 8 callers on one run.
/// SQLite always (a migrated WAL file); PostgreSQL when <c>AUTOPACK_TEST_POSTGRES</c> names a server, each case on
/// its own fresh, migrated database there.
/// </summary>
internal static class QueueClaims
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    public static async Task RunAsync(int runs, int reservations)
    {
        var engines = new List<string> { "sqlite" };
        if (TestPostgresDatabase.Server is { } server)
        {
            engines.Add("postgresql");
            Console.WriteLine($"postgresql: {Describe(server)}");
        }
        else
        {
            Console.WriteLine($"postgresql: skipped ({TestPostgresDatabase.ServerVariable} is not set; `source .ci/postgres.sh && postgres_start durable` sets it)");
        }

        foreach (var engine in engines)
        {
            foreach (var claimers in new[] { 1, 4, 16 })
            {
                var (claimed, elapsed) = await MeasureClaimsAsync(engine, runs, claimers, cycle: false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{engine,-10} claim only: {claimers,2} claimer(s), {claimed} runs in {elapsed.TotalSeconds:F2} s = {claimed / elapsed.TotalSeconds:F0} claims/s ({elapsed.TotalMilliseconds / claimed:F2} ms each)"));
            }

            foreach (var claimers in new[] { 1, 4, 16 })
            {
                var (claimed, elapsed) = await MeasureClaimsAsync(engine, runs / 2, claimers, cycle: true);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{engine,-10} claim + end + release, executing_limit 8: {claimers,2} claimer(s), {claimed} runs in {elapsed.TotalSeconds:F2} s = {claimed / elapsed.TotalSeconds:F0} runs/s"));
            }

            foreach (var callers in new[] { 1, 8 })
            {
                var (latencies, elapsed) = await MeasureReservationsAsync(engine, reservations, callers);
                var sorted = latencies.Order().ToArray();
                double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{engine,-10} reserve + settle: {callers} caller(s) on one run, n={sorted.Length}: median {P(0.5):F2} ms, p99 {P(0.99):F2} ms, {sorted.Length / elapsed.TotalSeconds:F0} calls/s"));
            }
        }
    }

    /// <summary>The server's settings that decide a write's cost, read from the server (not assumed).</summary>
    private static string Describe(string server)
    {
        using var db = new TestPostgresDatabase(migrated: false);
        using var connection = db.Database.OpenConnectionAsync().GetAwaiter().GetResult();
        string Show(string name)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SHOW {name}";
            return command.ExecuteScalar()?.ToString() ?? "?";
        }

        var address = new Npgsql.NpgsqlConnectionStringBuilder(server);
        return $"{address.Host}:{address.Port}, server {Show("server_version")}, fsync={Show("fsync")}, synchronous_commit={Show("synchronous_commit")}";
    }

    /// <summary>A fresh, migrated database of the engine, disposed (file deleted, database dropped) with the scope.</summary>
    private static (AutopackDatabase Database, Func<RunPlan, Task> CreateRun, IDisposable Owner) Fresh(string engine)
    {
        if (engine == "sqlite")
        {
            var file = new TestDatabase();
            return (file.Database, plan => file.CreateRunAsync(plan), file);
        }

        var server = new TestPostgresDatabase();
        return (server.Database, plan => server.CreateRunAsync(plan), server);
    }

    private static async Task<(int Claimed, TimeSpan Elapsed)> MeasureClaimsAsync(string engine, int runs, int claimers, bool cycle)
    {
        var (database, _, owner) = Fresh(engine);
        using var scope = owner;
        await SeedRunsAsync(database, runs);
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
                    await using (var connection = await database.OpenConnectionAsync())
                    {
                        await ExecuteAsync(connection, null, "UPDATE runs SET status = 'DONE_SUCCESS' WHERE run_id = @r", ("@r", claim.RunId));
                    }

                    await claims.ReleaseAsync(claim, 0, workerStopping: false, Stale);
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var claimed = counts.Sum();
        if (claimed != runs)
        {
            throw new InvalidOperationException($"{engine}: {claimed} claims for {runs} runs");
        }

        return (claimed, elapsed);
    }

    /// <summary>
    /// Reserve then settle, <paramref name="calls"/> in all from <paramref name="callers"/> concurrent callers on one run
    /// (each on its own phase, as the executors of one run's phases would not be, but executors of many runs against
    /// one database are): the latency of each pair, and the pairs per second. Caps far above the calls: none refused.
    /// </summary>
    private static async Task<(List<double> Latencies, TimeSpan Elapsed)> MeasureReservationsAsync(string engine, int calls, int callers)
    {
        var (database, createRun, owner) = Fresh(engine);
        using var scope = owner;
        var plan = new PlanBuilder("bench-run", 4_000_000_000);
        for (var i = 0; i < callers; i++)
        {
            plan.Phase($"bench-phase-{i}", cap: 400_000_000);
        }

        await createRun(plan.Build());
        var ledger = new TokenLedger(database, TimeProvider.System);
        async Task Pair(string phase)
        {
            var reservation = await ledger.ReserveAsync("bench-run", phase, 1_500, 4_096, 256, "bench-owner");
            if (!reservation.Granted)
            {
                throw new InvalidOperationException($"{engine}: refused: {reservation.Decision}");
            }

            await ledger.SettleAsync(reservation, new UsageRecord(phase, "offline", "offline-deterministic-1", "builder", 1_500, 700));
        }

        for (var i = 0; i < 20; i++)
        {
            await Pair("bench-phase-0"); // warm-up: pools, prepared plans, JIT
        }

        var latencies = new List<double>(calls);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < calls / callers; i++)
            {
                var begun = Stopwatch.GetTimestamp();
                await Pair($"bench-phase-{caller}");
                var ms = Stopwatch.GetElapsedTime(begun).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM token_reservations";
            var left = Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            if (left != 0)
            {
                throw new InvalidOperationException($"{engine}: {left} reservations left after settling every call");
            }
        }

        return (latencies, elapsed);
    }

    /// <summary>QUEUED runs with distinct creation times, inserted in one transaction (only the columns a claim reads matter).</summary>
    private static async Task SeedRunsAsync(AutopackDatabase database, int runs)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await database.BeginWriteAsync(connection);
        var origin = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < runs; i++)
        {
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO runs (run_id, status, goal, token_cap, created_at) VALUES (@r, 'QUEUED', 'bench', 1000, @c)",
                ("@r", $"bench-run-{i:D6}"),
                ("@c", DbTime.ToText(origin.AddMilliseconds(i))));
        }

        await transaction.CommitAsync();
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
