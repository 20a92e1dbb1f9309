using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Microsoft.Data.Sqlite;

namespace Autopack.Benchmarks;

/// <summary>
/// A fresh database file in a temp folder, migrated by the real migrations (so WAL and every index are as in
/// production), holding one run with many phases and caps too large to refuse anything during a benchmark.
/// </summary>
public sealed class BenchmarkDatabase : IDisposable
{
    public const string RunId = "bench-run";

    private readonly string folder = Path.Combine(Path.GetTempPath(), $"autopack-bench-{Guid.NewGuid():N}");

    private BenchmarkDatabase(int phaseCount)
    {
        Directory.CreateDirectory(folder);
        Database = new SqliteDatabase(Path.Combine(folder, "autopack.db"));
        new DatabaseMigrator(Database).MigrateUp();
        PhaseIds = Enumerable.Range(1, phaseCount).Select(i => $"{RunId}-p{i}").ToArray();
    }

    public SqliteDatabase Database { get; }

    public IReadOnlyList<string> PhaseIds { get; }

    public static BenchmarkDatabase Create(int phaseCount)
    {
        var db = new BenchmarkDatabase(phaseCount);
        var phases = db.PhaseIds
            .Select(id => new PhasePlan(id, id, "implementation", TokenCap: 1_000_000_000_000) { Goal = $"goal of {id}" })
            .ToList();
        var plan = new RunPlan { RunId = RunId, Goal = "benchmark the ledger", TokenCap = 1_000_000_000_000_000, Tiers = [new TierPlan { Name = "tier-1", Phases = phases }] };
        new RunStore(db.Database, TimeProvider.System)
            .CreateAsync(plan, new CapDefaults(5_000_000, new PhaseCapPolicy(500_000, PhaseCapPolicy.DefaultMultipliers)))
            .GetAwaiter().GetResult();
        return db;
    }

    /// <summary>Adds usage rows spread over the phases, as a run that has already made that many calls.</summary>
    public void SeedUsage(int rows)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) " +
            "VALUES ($r, $p, $p, 'offline', 'offline-deterministic-1', 'builder', 1500, 700, '2026-11-25T17:00:00.000Z')";
        var run = insert.Parameters.Add("$r", SqliteType.Text);
        var phase = insert.Parameters.Add("$p", SqliteType.Text);
        for (var i = 0; i < rows; i++)
        {
            run.Value = RunId;
            phase.Value = PhaseIds[i % PhaseIds.Count];
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public long Scalar(string sql)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes what a lingering handle kept.
        }
    }
}
