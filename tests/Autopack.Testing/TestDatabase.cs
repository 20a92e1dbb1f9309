using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;

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

    public long Scalar(string sql)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        directory.Dispose();
    }
}
