using System.Data;
using System.Data.Common;
using Autopack.Domain.Settings;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Autopack.Storage.Database;

/// <summary>
/// The Autopack database on a PostgreSQL server, for teams: many executors and workers on many hosts against one
/// database (SPEC "Past one machine"). Connections come from one <see cref="NpgsqlDataSource"/> (its pool); write
/// transactions are READ COMMITTED and lock the rows they decide on (<see cref="ForUpdate"/>), which is what keeps
/// budgets, leases and the queue exact under concurrent writers (ADR-039). The schema is the same FluentMigrator
/// migrations' (same table and column names), so the runbook's SQL runs in psql.
/// </summary>
public sealed class PostgresDatabase : AutopackDatabase, IDisposable, IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private DbContextOptions<AutopackDbContext>? contextOptions;

    /// <param name="setting">A <c>postgresql://</c> (or <c>postgres://</c>) URL, or an Npgsql key=value connection string.</param>
    /// <exception cref="SettingsException">the setting cannot be read as a PostgreSQL connection; the message names AUTOPACK_DB.</exception>
    public PostgresDatabase(string setting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        var builder = PostgresConnectionString.Parse(setting);
        ConnectionString = builder.ConnectionString;
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
        dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>The connection string Npgsql uses (it holds the password: never print it).</summary>
    public string ConnectionString { get; }

    public override string Engine => "postgresql";

    public override string Location { get; }

    public override string ForUpdate => " FOR UPDATE";

    public override string ForShare => " FOR SHARE";

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A context on the model built from <see cref="AutopackDbContext"/>'s configuration (the compiled model is SQLite's).</summary>
    public override AutopackDbContext CreateContext() =>
        new(contextOptions ??= new DbContextOptionsBuilder<AutopackDbContext>().UseNpgsql(dataSource).UseSnakeCaseNamingConvention().Options);

    public override bool IsUniqueViolation(Exception? exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        null => false,
        _ => IsUniqueViolation(exception.InnerException),
    };

    public void Dispose() => dataSource.Dispose();

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
