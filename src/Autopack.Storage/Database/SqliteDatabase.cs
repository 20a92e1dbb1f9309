using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Autopack.Storage.Database;

/// <summary>
/// The Autopack database as a SQLite file. Every connection, raw or EF Core, gets the same pragmas: WAL journal, a
/// busy timeout (the API and the executors write concurrently), foreign keys, and synchronous=NORMAL (durable in WAL
/// mode across process crashes).
/// </summary>
public sealed class SqliteDatabase : AutopackDatabase
{
    public const int BusyTimeoutMs = 10_000;

    // DbContextOptions<AutopackDbContext>, built on first use only: typed as object so that a process that never
    // asks for a context (the executor, most CLI commands) never loads EF Core's assemblies (ADR-034).
    private object? contextOptions;

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
    }

    public string FullPath { get; }

    public string ConnectionString { get; }

    private string KeptConnectionString => new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString();

    public override string Engine => "sqlite";

    public override string Location => FullPath;

    public override string ForUpdate => string.Empty;

    public override string ForShare => string.Empty;

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

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The WAL's size in frames (pages) at which a kept connection's commit checkpoints it itself: four times SQLite's
    /// default, since the keeper's background checkpoints copy most of the log before (ADR-042).
    /// </summary>
    public const int KeptConnectionCheckpointFrames = 4_000;

    /// <summary>
    /// A connection of its own (not pooled) with the same pragmas, whose commits leave the WAL's checkpoints to the
    /// keeper's background <see cref="CheckpointAsync"/> until the log reaches <see cref="KeptConnectionCheckpointFrames"/>:
    /// a commit that crosses SQLite's default mark of 1,000 pages copies the log into the file and fsyncs both before
    /// it returns (half of the ledger's reserve + settle). A passive checkpoint in the background never waits, so under
    /// writes that never pause the log is never wholly copied when a writer begins, the moment SQLite starts it over;
    /// the commit at the mark then copies what is left (little) and the log starts over, so it stays bounded.
    /// </summary>
    public override async Task<DbConnection> OpenKeptConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(KeptConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            ApplyPragmas(connection, $" PRAGMA wal_autocheckpoint={KeptConnectionCheckpointFrames};");
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><c>PRAGMA wal_checkpoint(PASSIVE)</c> on a pooled connection: copies what no reader still needs, never waits.</summary>
    public override async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        cancellationToken.ThrowIfCancellationRequested();
        return await Task.FromResult(((SqliteConnection)connection).BeginTransaction(deferred: false)).ConfigureAwait(false);
    }

    public override async Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        cancellationToken.ThrowIfCancellationRequested();
        return await Task.FromResult(((SqliteConnection)connection).BeginTransaction(deferred: true)).ConfigureAwait(false);
    }

    public override bool IsUniqueViolation(Exception? exception) => exception switch
    {
        SqliteException { SqliteExtendedErrorCode: 1555 or 2067 } => true, // SQLITE_CONSTRAINT_PRIMARYKEY, _UNIQUE
        null => false,
        _ => IsUniqueViolation(exception.InnerException),
    };

    /// <summary>A context on the compiled model (<see cref="CompiledModel.AutopackDbContextModel"/>), its options built once per database.</summary>
    public override AutopackDbContext CreateContext() =>
        new((DbContextOptions<AutopackDbContext>)LazyInitializer.EnsureInitialized(ref contextOptions, () => BuildOptions(compiledModel: true)));

    /// <summary>
    /// A context whose model EF Core builds from <see cref="AutopackDbContext"/>'s configuration instead of the
    /// compiled one: what <c>dotnet ef dbcontext optimize</c> compiles, and what a test compares the compiled model with.
    /// </summary>
    internal AutopackDbContext CreateContextFromConfiguration() => new(BuildOptions(compiledModel: false));

    private DbContextOptions<AutopackDbContext> BuildOptions(bool compiledModel)
    {
        var builder = new DbContextOptionsBuilder<AutopackDbContext>();
        builder.UseSqlite(ConnectionString).UseSnakeCaseNamingConvention().AddInterceptors(new PragmaInterceptor());
        if (compiledModel)
        {
            // Building the model from the configuration costs a cold process hundreds of milliseconds; the
            // compiled model is generated code (regenerate it after changing the model, see Storage's README).
            builder.UseModel(CompiledModel.AutopackDbContextModel.Instance);
        }

        return builder.Options;
    }

    /// <summary>Switches the file to WAL. Persistent in the file, so it is done once, by the migrator.</summary>
    public void EnableWal()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteScalar();
    }

    private static void ApplyPragmas(DbConnection connection, string extra = "")
    {
        using var command = connection.CreateCommand();
        command.CommandText =
            $"PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;{extra}";
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
