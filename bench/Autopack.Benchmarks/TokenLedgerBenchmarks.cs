using Autopack.Storage.Budgets;
using BenchmarkDotNet.Attributes;

namespace Autopack.Benchmarks;

/// <summary>
/// What every provider call costs the budget: reserve (one IMMEDIATE transaction) then settle (another) or
/// release, on a real WAL database file. <see cref="UsageRowsInRun"/> is how many calls the run has already made:
/// the ledger sums the run's usage on every reserve and settle.
/// </summary>
[MemoryDiagnoser]
public class TokenLedgerBenchmarks
{
    private BenchmarkDatabase db = null!;
    private TokenLedger ledger = null!;
    private int next;

    [Params(0, 2_000, 20_000)]
    public int UsageRowsInRun { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        db = BenchmarkDatabase.Create(phaseCount: 200);
        db.SeedUsage(UsageRowsInRun);
        ledger = new TokenLedger(db.Database, TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// usage rows in the run at the end: {db.Scalar("SELECT count(*) FROM llm_usage_events")}, reservations left: {db.Scalar("SELECT count(*) FROM token_reservations")}");
        db.Dispose();
    }

    [Benchmark(Description = "reserve + settle")]
    public async Task<long> ReserveAndSettle()
    {
        var phase = NextPhase();
        var reservation = await ledger.ReserveAsync(BenchmarkDatabase.RunId, phase, 1_500, 4_096, 256, "bench-owner");
        var settled = await ledger.SettleAsync(reservation, new UsageRecord(phase, "offline", "offline-deterministic-1", "builder", 1_500, 700));
        return settled.UsageEventId;
    }

    [Benchmark(Description = "reserve + release")]
    public async Task<long> ReserveAndRelease()
    {
        var reservation = await ledger.ReserveAsync(BenchmarkDatabase.RunId, NextPhase(), 1_500, 4_096, 256, "bench-owner");
        await ledger.ReleaseAsync(reservation);
        return reservation.Id;
    }

    /// <summary>The two ledgers' reads alone (caps, used, reserved): what reserve and settle each do first.</summary>
    [Benchmark(Description = "read ledgers")]
    public async Task<long> ReadLedgers()
    {
        var (phase, run) = await ledger.ReadAsync(BenchmarkDatabase.RunId, NextPhase());
        return phase.Used + run.Used;
    }

    private string NextPhase() => db.PhaseIds[next++ % db.PhaseIds.Count];
}
