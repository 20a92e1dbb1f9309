using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Autopack.Storage.Database;

/// <summary>
/// The one place that opens connections to the Autopack database. Every connection, raw or EF Core, gets the
/// same pragmas: WAL journal, a busy timeout (the API and the executors write concurrently), foreign keys, and
/// synchronous=NORMAL (durable in WAL mode across process crashes).
/// </summary>
public sealed class SqliteDatabase
{
    public const int BusyTimeoutMs = 10_000;

    private readonly PragmaInterceptor interceptor = new();

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FullPath = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
        Identity = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FullPath)))[..12];
    }

    public string FullPath { get; }

    public string ConnectionString { get; }

    /// <summary>A short hash of the database's full path, shown in /health so operators can tell which database a process uses.</summary>
    public string Identity { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        ApplyPragmas(connection);
        return connection;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        ApplyPragmas(connection);
        return connection;
    }

    public void ConfigureDbContext(DbContextOptionsBuilder options) =>
        options.UseSqlite(ConnectionString).AddInterceptors(interceptor);

    public AutopackDbContext CreateContext()
    {
        var builder = new DbContextOptionsBuilder<AutopackDbContext>();
        ConfigureDbContext(builder);
        return new AutopackDbContext(builder.Options);
    }

    /// <summary>Switches the file to WAL. Persistent in the file, so it is done once, by the migrator.</summary>
    public void EnableWal()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteScalar();
    }

    private static void ApplyPragmas(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText =
            $"PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    private sealed class PragmaInterceptor : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            ApplyPragmas(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ApplyPragmas(connection);
            return Task.CompletedTask;
        }
    }
}
