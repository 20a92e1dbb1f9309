using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

namespace Autopack.Storage.Database;

/// <summary>
/// The Autopack database, whichever server holds it: a SQLite file (<see cref="SqliteDatabase"/>, the default) or a
/// PostgreSQL database (<see cref="PostgresDatabase"/>, for many executors on many hosts). The one place connections
/// are opened, with each engine's session settings; the stores write portable SQL (named <c>@</c> parameters,
/// <c>RETURNING</c>, <c>ON CONFLICT</c>) and take what differs from here: how a write transaction begins and which
/// rows it locks (ADR-039).
/// </summary>
public abstract class AutopackDatabase
{
    /// <summary><c>sqlite</c> or <c>postgresql</c>.</summary>
    public abstract string Engine { get; }

    /// <summary>Where the database is: the file's full path, or <c>host:port/database</c> (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>A short hash of <see cref="Location"/>, shown in /health so operators see which database a process uses.</summary>
    public string Identity => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Location)))[..12];

    /// <summary>
    /// What a locking read appends: <c> FOR UPDATE</c> on PostgreSQL, nothing on SQLite, whose write transaction
    /// already holds the database's one write lock from its first statement.
    /// </summary>
    public abstract string ForUpdate { get; }

    /// <summary>A shared row lock (<c> FOR SHARE</c>) on PostgreSQL; nothing on SQLite.</summary>
    public abstract string ForShare { get; }

    /// <summary>
    /// The database named by <c>AUTOPACK_DB</c>: a PostgreSQL connection (<c>postgresql://user:pass@host:port/db</c>,
    /// <c>postgres://...</c>, or <c>Host=...;Database=...</c>), otherwise a SQLite file path.
    /// </summary>
    public static AutopackDatabase FromSetting(string setting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        return PostgresConnectionString.IsConnection(setting) ? new PostgresDatabase(setting) : new SqliteDatabase(setting);
    }

    /// <summary>
    /// <c>AUTOPACK_DB</c> as a process that outlives its working folder must hold it: a SQLite path made absolute against
    /// <paramref name="workingDirectory"/>; a PostgreSQL connection unchanged (made a path, a URL once named a SQLite file).
    /// </summary>
    public static string ResolveSetting(string setting, string workingDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        return PostgresConnectionString.IsConnection(setting) ? setting : Path.GetFullPath(setting, workingDirectory);
    }

    /// <summary>An open connection with the engine's session settings applied.</summary>
    public abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A connection its caller keeps open for a long time, its commands prepared (<see cref="PreparedSessions"/>). On
    /// SQLite it is not from the pool (closing it closes it) and its commits checkpoint the WAL only past four times
    /// SQLite's usual size: its keeper calls <see cref="CheckpointAsync"/> in the background instead, off the committing
    /// caller's path. Elsewhere an ordinary connection.
    /// </summary>
    public virtual Task<DbConnection> OpenKeptConnectionAsync(CancellationToken cancellationToken = default) => OpenConnectionAsync(cancellationToken);

    /// <summary>Copies the WAL's committed pages into the database file without waiting for readers or writers (SQLite); nothing elsewhere.</summary>
    public virtual Task CheckpointAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Begins a write transaction: on SQLite <c>BEGIN IMMEDIATE</c> (every other writer waits until it ends); on
    /// PostgreSQL READ COMMITTED, where the transaction's <see cref="ForUpdate"/> reads lock the rows it decides on.
    /// </summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default);

    /// <summary>
    /// Begins a read-only transaction whose reads all see one state: SQLite's deferred transaction (a snapshot from its
    /// first read, never blocking writers in WAL mode); PostgreSQL's REPEATABLE READ.
    /// </summary>
    public abstract Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken = default);

    /// <summary>An EF Core context on this database (the API's and the CLI's run creation).</summary>
    public abstract AutopackDbContext CreateContext();

    /// <summary>True when <paramref name="exception"/> (or what it wraps) is a primary-key or unique violation.</summary>
    public abstract bool IsUniqueViolation(Exception? exception);

    public override string ToString() => $"{Engine} {Location}";
}
