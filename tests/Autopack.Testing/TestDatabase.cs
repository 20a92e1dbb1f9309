using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Microsoft.Data.Sqlite;

namespace Autopack.Testing;

/// <summary>A real SQLite file in a temp folder, migrated by the real migrations.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly TempDirectory directory = new("autopack-db");

    public TestDatabase()
    {
        Database = new SqliteDatabase(directory.Combine("autopack.db"));
        new DatabaseMigrator(Database).MigrateUp();
    }

    public SqliteDatabase Database { get; }

    public string FolderPath => directory.Path;

    public string RunsDirectory => directory.Combine(".autonomous_runs");

    public static CapDefaults DefaultCaps { get; } = new(5_000_000, new PhaseCapPolicy(500_000, PhaseCapPolicy.DefaultMultipliers));

    /// <summary>Stores a plan built with <see cref="PlanBuilder"/> and returns the run id.</summary>
    public Task<string> CreateRunAsync(RunPlan plan, TimeProvider? time = null, WorkspaceOrigin? origin = null) =>
        new RunStore(Database, time ?? TimeProvider.System).CreateAsync(plan, DefaultCaps, origin);

    /// <summary>
    /// Inserts <paramref name="rows"/> usage rows straight into <c>llm_usage_events</c> in one transaction, as a run that
    /// has already made that many calls: row i is charged to phase <c>&lt;run-id&gt;-p&lt;1 + i % phases&gt;</c>, builder and
    /// auditor in turn, with i prompt and i / 2 completion tokens (so no two rows are alike). The budget triggers count them.
    /// </summary>
    public void SeedUsage(string runId, int phases, int rows)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) " +
            "VALUES ($run, $phase, $phase, 'offline', 'offline-deterministic-1', $role, $i, $i / 2, '2026-11-25T10:00:00.000Z')";
        insert.Parameters.AddWithValue("$run", runId);
        var phase = insert.Parameters.Add("$phase", SqliteType.Text);
        var role = insert.Parameters.Add("$role", SqliteType.Text);
        var i = insert.Parameters.Add("$i", SqliteType.Integer);
        for (var n = 0; n < rows; n++)
        {
            phase.Value = $"{runId}-p{1 + (n % phases)}";
            role.Value = n % 2 == 0 ? "builder" : "auditor";
            i.Value = n;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public long Scalar(string sql) => Scalar(Database, sql);

    /// <summary>The first column of the first row of <paramref name="sql"/>, as a number, on any SQLite database file.</summary>
    public static long Scalar(SqliteDatabase database, string sql)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Dispose();
    }
}
