using System.Collections.Concurrent;
using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Budgets;

/// <summary>
/// Many executors' calls at once against the same caps: the database's write lock must make the hard caps hold
/// whatever the interleaving, with providers reporting more and fewer tokens than were reserved.
/// </summary>
public class TokenLedgerConcurrencyTests
{
    private const int Seed = 4_242;
    private const int Workers = 16;
    private const int CallsPerWorker = 300;

    // "phase-bound": the phases fill up before the run does; "run-bound": the run cap is hit first. The workers ask
    // for about twice what the caps allow, so the caps are reached half-way and fought over for the rest.
    private static readonly (string Run, long RunCap, string[] Phases, long PhaseCap)[] Runs =
    [
        ("phase-bound", 1_200_000, ["pb-1", "pb-2", "pb-3", "pb-4"], 250_000),
        ("run-bound", 900_000, ["rb-1", "rb-2", "rb-3", "rb-4"], 400_000),
    ];

    [Test]
    public async Task ReserveAndSettle_SixteenWorkersInParallel_CapsHoldAndBooksBalance()
    {
        using var db = new TestDatabase();
        foreach (var (run, runCap, phases, phaseCap) in Runs)
        {
            var plan = new PlanBuilder(run, runCap);
            foreach (var phase in phases)
            {
                plan.Phase(phase, cap: phaseCap);
            }

            await db.CreateRunAsync(plan.Build());
        }

        var violations = new ConcurrentQueue<string>();
        var charged = new ConcurrentDictionary<string, long>();
        var overReported = 0;
        var refused = 0;
        using var stop = new CancellationTokenSource();
        var monitor = Task.Run(() => Monitor(db.Database, violations, stop.Token));

        // One OS thread per worker (the SQLite calls complete synchronously), so the scheduler can preempt a worker
        // anywhere, including between a budget check and its write.
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Factory.StartNew(async () =>
        {
            // Each worker is its own "executor": its own database object, ledger and connections.
            var ledger = new TokenLedger(new SqliteDatabase(db.Database.FullPath), TimeProvider.System);
            var random = new Random(Seed + worker);
            for (var call = 0; call < CallsPerWorker; call++)
            {
                var (run, _, phases, _) = Runs[random.Next(Runs.Length)];
                var phase = phases[random.Next(phases.Length)];
                var reservation = await ledger.ReserveAsync(run, phase, random.Next(50, 800), random.Next(100, 1_500), 50, $"worker-{worker}");
                if (!reservation.Granted)
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }

                // While this reservation is held, the books must still balance: a check that raced with another
                // worker's would show here as used + reserved over a cap.
                var (phaseBooks, runBooks) = await ledger.ReadAsync(run, phase);
                if (phaseBooks.Used + phaseBooks.Reserved > phaseBooks.Cap || runBooks.Used + runBooks.Reserved > runBooks.Cap)
                {
                    violations.Enqueue($"worker {worker}: overcommitted after reserving {reservation.Decision.ReservedTokens}: phase {phaseBooks}, run {runBooks}");
                }

                if (random.Next(10) == 0)
                {
                    await ledger.ReleaseAsync(reservation); // the call failed
                    continue;
                }

                var reserved = reservation.Decision.ReservedTokens;
                var reported = (long)(reserved * (0.5 + random.NextDouble())); // 50% .. 150% of the reservation
                var prompt = Math.Min(reported, reservation.Decision.PromptTokens);
                var result = await ledger.SettleAsync(reservation, new UsageRecord(phase, "offline", "m", "builder", prompt, reported - prompt));
                if (result.Charged.Total > reserved)
                {
                    violations.Enqueue($"worker {worker}: charged {result.Charged.Total} for a reservation of {reserved}");
                }

                if (reported > reserved)
                {
                    Interlocked.Increment(ref overReported);
                }

                charged.AddOrUpdate(phase, result.Charged.Total, (_, total) => total + result.Charged.Total);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();

        await Task.WhenAll(workers);
        await stop.CancelAsync();
        await monitor;

        var where = $"seed {Seed}";
        Assert.That(violations, Is.Empty, where);
        Assert.That(Sql.Scalar(db.Database, "SELECT count(*) FROM token_reservations"), Is.Zero, $"{where}: every reservation settled or released");
        Assert.That(overReported, Is.GreaterThan(0), $"{where}: some providers reported more than reserved");
        Assert.That(refused, Is.GreaterThan(0), $"{where}: the workers asked for more than the caps allow");
        Assert.That(
            Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'budget_overrun'"),
            Is.EqualTo(overReported),
            $"{where}: one overrun event per over-reported call");

        foreach (var (run, runCap, phases, phaseCap) in Runs)
        {
            var runUsed = Sql.Scalar(db.Database, "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = $r", ("$r", run));
            Assert.That(runUsed, Is.LessThanOrEqualTo(runCap), $"{where}: run {run}");
            Assert.That(runUsed, Is.EqualTo(phases.Sum(p => charged.GetValueOrDefault(p))), $"{where}: run {run} rows match what was charged");
            var runWarnings = Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND run_id = $r AND phase_id IS NULL", ("$r", run));
            Assert.That(runWarnings, Is.EqualTo(runUsed >= runCap * 0.8 ? 1 : 0), $"{where}: run {run} used {runUsed} of {runCap}");

            foreach (var phase in phases)
            {
                var used = Sql.Scalar(db.Database, "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE phase_id = $p", ("$p", phase));
                Assert.That(used, Is.LessThanOrEqualTo(phaseCap), $"{where}: phase {phase}");
                Assert.That(used, Is.EqualTo(charged.GetValueOrDefault(phase)), $"{where}: phase {phase} rows match what was charged");
                var warnings = Sql.Scalar(db.Database, "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND phase_id = $p", ("$p", phase));
                Assert.That(warnings, Is.EqualTo(used >= phaseCap * 0.8 ? 1 : 0), $"{where}: phase {phase} used {used} of {phaseCap}");
            }
        }

        // The test only means something if the caps were actually reached.
        Assert.Multiple(() =>
        {
            foreach (var phase in Runs[0].Phases)
            {
                Assert.That(charged.GetValueOrDefault(phase), Is.GreaterThan(Runs[0].PhaseCap * 0.9), $"{where}: phase {phase} filled up");
            }

            Assert.That(Runs[1].Phases.Sum(p => charged.GetValueOrDefault(p)), Is.GreaterThan(Runs[1].RunCap * 0.95), $"{where}: run-bound run filled up");
        });
    }

    /// <summary>
    /// Reads the books while the workers write, so "never exceeds" is checked during the run, not just after it: used
    /// tokens, and used plus reserved (a reservation is a promise the cap can keep), per phase and per run. One SELECT
    /// is one consistent snapshot.
    /// </summary>
    private static async Task Monitor(SqliteDatabase database, ConcurrentQueue<string> violations, CancellationToken stop)
    {
        var reader = new SqliteDatabase(database.FullPath);
        while (!stop.IsCancellationRequested)
        {
            foreach (var row in Sql.Rows(reader, """
                SELECT 'phase ' || phase_id, token_cap,
                       coalesce((SELECT sum(prompt_tokens + completion_tokens) FROM llm_usage_events u WHERE u.phase_id = p.phase_id), 0),
                       coalesce((SELECT sum(tokens) FROM token_reservations t WHERE t.phase_id = p.phase_id), 0)
                FROM phases p
                UNION ALL
                SELECT 'run ' || run_id, token_cap,
                       coalesce((SELECT sum(prompt_tokens + completion_tokens) FROM llm_usage_events u WHERE u.run_id = r.run_id), 0),
                       coalesce((SELECT sum(tokens) FROM token_reservations t WHERE t.run_id = r.run_id), 0)
                FROM runs r
                """))
            {
                var (cap, used, reserved) = ((long)row[1]!, (long)row[2]!, (long)row[3]!);
                if (used > cap || used + reserved > cap)
                {
                    violations.Enqueue($"mid-run: {row[0]} used {used} + reserved {reserved} of {cap}");
                }
            }

            try
            {
                await Task.Delay(2, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
