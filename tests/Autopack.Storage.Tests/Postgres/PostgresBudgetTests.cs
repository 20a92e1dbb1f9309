using System.Collections.Concurrent;
using Autopack.Storage.Budgets;
using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Postgres;

/// <summary>
/// The budget guarantees on PostgreSQL, where executors on many hosts write at once and nothing like SQLite's one write
/// lock serialises them: the run's row lock must (ADR-039).
/// </summary>
public sealed class PostgresBudgetTests
{
    [Test, CancelAfter(120_000)]
    public async Task Reserve_SixtyFourConcurrentExecutorsAgainstOneRun_UsageNeverAboveTheCap(CancellationToken cancellationToken)
    {
        using var db = new TestPostgresDatabase();
        const long runCap = 20_000;
        await db.CreateRunAsync(new PlanBuilder("pg-cap", runCap).Phase("pg-cap-a", cap: 15_000).Phase("pg-cap-b", cap: 15_000).Build());
        var violations = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var monitor = Task.Run(() => MonitorAsync(db, runCap, violations, stop.Token), CancellationToken.None);

        // 64 "executors", each with its own data source and pool, reserving and settling as fast as they can; the
        // provider reports up to 50% more than was reserved half of the time (the settlement clamps it).
        var granted = 0;
        var refused = 0;
        var executors = Enumerable.Range(0, 64).Select(executor => Task.Run(async () =>
        {
            using var own = db.OpenAnother();
            var ledger = new TokenLedger(own, TimeProvider.System);
            var random = new Random(6400 + executor);
            for (var call = 0; call < 12; call++)
            {
                var phase = random.Next(2) == 0 ? "pg-cap-a" : "pg-cap-b";
                var reservation = await ledger.ReserveAsync("pg-cap", phase, random.Next(100, 400), random.Next(200, 600), 50, $"executor-{executor}", cancellationToken);
                if (!reservation.Granted)
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }

                Interlocked.Increment(ref granted);
                var reserved = reservation.Decision.ReservedTokens;
                var reported = random.Next(2) == 0 ? reserved * 3 / 2 : reserved / 2;
                await ledger.SettleAsync(reservation, new UsageRecord(phase, "openai", "m", "builder", reported / 2, reported - (reported / 2)), cancellationToken);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(executors);
        await stop.CancelAsync();
        await monitor;

        Assert.Multiple(() =>
        {
            Assert.That(violations, Is.Empty);
            Assert.That(granted, Is.GreaterThan(0), "calls were admitted");
            Assert.That(refused, Is.GreaterThan(0), "the cap was reached and fought over");
            Assert.That(db.Scalar("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = 'pg-cap'"), Is.LessThanOrEqualTo(runCap));
            Assert.That(db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero, "every admitted call settled");
            Assert.That(db.Scalar("SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = 'pg-cap'"),
                Is.EqualTo(db.Scalar("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = 'pg-cap'")), "the triggers kept the totals");
        });
    }

    [Test]
    public async Task Settle_ReportedAboveTheReservation_ChargedNoMoreThanReservedAndTheOverrunRecorded()
    {
        using var db = new TestPostgresDatabase();
        await db.CreateRunAsync(new PlanBuilder("pg-over", 10_000).Phase("pg-over-a", cap: 10_000).Build());
        var ledger = new TokenLedger(db.Database, TimeProvider.System);

        var reservation = await ledger.ReserveAsync("pg-over", "pg-over-a", 100, 200, 50, "owner");
        var settled = await ledger.SettleAsync(reservation, new UsageRecord("pg-over-a", "openai", "m", "builder", 500, 500));

        Assert.Multiple(() =>
        {
            Assert.That(settled.Charged.Total, Is.EqualTo(reservation.Decision.ReservedTokens));
            Assert.That(db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_overrun' AND run_id = 'pg-over'"), Is.EqualTo(1));
            Assert.That(db.Scalar("SELECT reserved_tokens FROM budget_totals WHERE scope = 'run' AND id = 'pg-over'"), Is.Zero);
        });
    }

    /// <summary>Samples used + reserved against the cap from outside the executors, as an operator's psql would.</summary>
    private static async Task MonitorAsync(TestPostgresDatabase db, long runCap, ConcurrentQueue<string> violations, CancellationToken stop)
    {
        using var own = db.OpenAnother();
        while (!stop.IsCancellationRequested)
        {
            await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT used_tokens, reserved_tokens FROM budget_totals WHERE scope = 'run' AND id = 'pg-cap'";
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
            if (await reader.ReadAsync(CancellationToken.None) && reader.GetInt64(0) + reader.GetInt64(1) > runCap)
            {
                violations.Enqueue($"used {reader.GetInt64(0)} + reserved {reader.GetInt64(1)} > cap {runCap}");
            }
        }
    }
}
