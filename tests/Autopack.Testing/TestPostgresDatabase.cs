using Autopack.Domain.Plans;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;
using Npgsql;
using NUnit.Framework;

namespace Autopack.Testing;

/// <summary>
/// A fresh database on the throwaway PostgreSQL cluster that <c>./run-tests.sh</c> starts (<c>.ci/postgres.sh</c>, which
/// sets <c>AUTOPACK_TEST_POSTGRES</c>), migrated by the real migrations and dropped on <see cref="Dispose"/>. Without the
/// variable (a bare <c>dotnet test</c>), the test is ignored and says how to run it.
/// </summary>
public sealed class TestPostgresDatabase : IDisposable
{
    public const string ServerVariable = "AUTOPACK_TEST_POSTGRES";

    private readonly string server;

    /// <param name="migrated">false: an empty database, for tests of <c>autopack db migrate</c> itself.</param>
    public TestPostgresDatabase(bool migrated = true)
    {
        server = Server ?? throw new IgnoreException($"{ServerVariable} is not set: ./run-tests.sh starts a throwaway PostgreSQL cluster and sets it");
        Name = $"autopack_test_{Guid.NewGuid():N}";
        Admin($"CREATE DATABASE {Name}");
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = Name };
        ConnectionString = builder.ConnectionString;
        Url = $"postgresql://{Uri.EscapeDataString(builder.Username ?? "postgres")}@{builder.Host}:{builder.Port}/{Name}";
        Database = new PostgresDatabase(ConnectionString);
        if (migrated)
        {
            new DatabaseMigrator(Database).MigrateUp();
        }
    }

    /// <summary>The cluster's connection string, or null when no cluster was started for the tests.</summary>
    public static string? Server => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value ? value : null;

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>What <c>AUTOPACK_DB</c> says for this database (the URL form operators use).</summary>
    public string Url { get; }

    public PostgresDatabase Database { get; }

    /// <summary>Another process's view of the same database: its own data source and pool.</summary>
    public PostgresDatabase OpenAnother() => new(ConnectionString);

    public Task<string> CreateRunAsync(RunPlan plan, TimeProvider? time = null, WorkspaceOrigin? origin = null) =>
        new RunStore(Database, time ?? TimeProvider.System).CreateAsync(plan, TestDatabase.DefaultCaps, origin);

    public long Scalar(string sql)
    {
        using var connection = Database.OpenConnectionAsync().GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        Database.Dispose();
        NpgsqlConnection.ClearAllPools();
        Admin($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private void Admin(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
