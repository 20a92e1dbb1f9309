using Autopack.Storage.Database;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace Autopack.Benchmarks;

/// <summary>
/// SQLite's own cost of one single-row write transaction on the same kind of file (migrated, WAL,
/// synchronous=NORMAL), for scale beside <see cref="TokenLedgerBenchmarks"/>: once through
/// <see cref="SqliteDatabase.OpenAsync"/> as the ledger opens connections (pooled open + its pragmas), and once on
/// a connection kept open.
/// </summary>
[MemoryDiagnoser]
public class LedgerSqliteBaselineBenchmarks
{
    private BenchmarkDatabase db = null!;
    private SqliteConnection open = null!;

    [GlobalSetup]
    public void Setup()
    {
        db = BenchmarkDatabase.Create(phaseCount: 1);
        open = db.Database.Open();
        using var create = open.CreateCommand();
        create.CommandText = "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, tokens INTEGER NOT NULL, created_at TEXT NOT NULL)";
        create.ExecuteNonQuery();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        open.Dispose();
        db.Dispose();
    }

    [Benchmark(Baseline = true, Description = "1-row IMMEDIATE tx, connection kept open")]
    public async Task<long> InsertOnOpenConnection() => await InsertAsync(open);

    [Benchmark(Description = "1-row IMMEDIATE tx, SqliteDatabase.OpenAsync per tx")]
    public async Task<long> InsertWithOpenPerTransaction()
    {
        await using var connection = await db.Database.OpenAsync();
        return await InsertAsync(connection);
    }

    [Benchmark(Description = "SqliteDatabase.OpenAsync alone (pooled open + pragmas)")]
    public async Task<string> OpenOnly()
    {
        await using var connection = await db.Database.OpenAsync();
        return connection.DataSource;
    }

    private static async Task<long> InsertAsync(SqliteConnection connection)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO bench_rows (run_id, tokens, created_at) VALUES ($r, $t, $c); SELECT last_insert_rowid();";
        insert.Parameters.AddWithValue("$r", BenchmarkDatabase.RunId);
        insert.Parameters.AddWithValue("$t", 2_200);
        insert.Parameters.AddWithValue("$c", "2026-11-25T17:00:00.000Z");
        var id = (long)(await insert.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return id;
    }
}
