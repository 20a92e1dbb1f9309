using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Benchmarks;

/// <summary>
/// The tests' migrated temp database (<see cref="TestDatabase"/>: WAL and every index as in production), holding one
/// run with many phases and caps too large to refuse anything during a benchmark.
/// </summary>
public sealed class BenchmarkDatabase : IDisposable
{
    public const string RunId = "bench-run";

    private readonly TestDatabase db = new();

    private BenchmarkDatabase(int phaseCount)
    {
        PhaseIds = Enumerable.Range(1, phaseCount).Select(i => $"{RunId}-p{i}").ToArray();
    }

    public SqliteDatabase Database => db.Database;

    public IReadOnlyList<string> PhaseIds { get; }

    public static BenchmarkDatabase Create(int phaseCount)
    {
        var bench = new BenchmarkDatabase(phaseCount);
        var plan = new PlanBuilder(RunId, runCap: 1_000_000_000_000_000);
        foreach (var id in bench.PhaseIds)
        {
            plan.Phase(id, cap: 1_000_000_000_000, category: "implementation");
        }

        bench.db.CreateRunAsync(plan.Build()).GetAwaiter().GetResult();
        return bench;
    }

    /// <summary>Adds usage rows spread over the phases, as a run that has already made that many calls.</summary>
    public void SeedUsage(int rows) => db.SeedUsage(RunId, PhaseIds.Count, rows);

    public long Scalar(string sql) => db.Scalar(sql);

    public void Dispose() => db.Dispose();
}
