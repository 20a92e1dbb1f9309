using System.Collections.Concurrent;
using System.Data.Common;

namespace Autopack.Storage.Database;

/// <summary>
/// Open connections kept with their commands, for a store that runs the same few statements many times a second (the
/// token ledger: every provider call reserves, then settles or releases). Microsoft.Data.Sqlite prepares a new command's
/// statements anew each time, and for the ledger's statements (six subqueries, inserts that fire triggers) that
/// preparing was a third of reserve + settle; a session keeps one command per statement text, prepared on its first
/// run and reused after (ADR-042). On SQLite the kept connections leave most of the WAL's checkpointing to a background
/// task this pool starts every <see cref="CheckpointEveryCommits"/> commits, so a caller's commit seldom pays for one
/// (<see cref="SqliteDatabase.KeptConnectionCheckpointFrames"/>). A session whose work failed is closed, not kept.
/// </summary>
public sealed class PreparedSessions(AutopackDatabase database, int keep) : IDisposable
{
    /// <summary>
    /// How many commits of the kept connections pass between two background checkpoints: the ledger's commits write 4 to
    /// 9 pages each, so about SQLite's own 1,000-page auto-checkpoint.
    /// </summary>
    public const int CheckpointEveryCommits = 128;

    private readonly ConcurrentBag<PreparedSession> idle = [];
    private readonly Lock checkpointLock = new();
    private int commitsSinceCheckpoint;
    private Task checkpoint = Task.CompletedTask;
    private bool disposed;

    /// <summary>How many background checkpoints have run (for tests and benchmarks).</summary>
    public int Checkpoints { get; private set; }

    /// <summary>
    /// Runs <paramref name="work"/> on a kept session (or a new one): the session is kept for the next caller when the
    /// work returns, closed when it throws (its transaction, if any, rolled back by the work's own disposal).
    /// </summary>
    public async Task<T> RunAsync<T>(Func<PreparedSession, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!idle.TryTake(out var session))
        {
            session = new PreparedSession(this, database, await database.OpenKeptConnectionAsync(cancellationToken).ConfigureAwait(false));
        }

        T result;
        try
        {
            result = await work(session).ConfigureAwait(false);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        if (!disposed && idle.Count < keep)
        {
            idle.Add(session);
        }
        else
        {
            session.Dispose();
        }

        return result;
    }

    /// <summary>Counts a commit of a kept connection; every <see cref="CheckpointEveryCommits"/>th starts a checkpoint unless one runs.</summary>
    internal void Committed()
    {
        if (Interlocked.Increment(ref commitsSinceCheckpoint) < CheckpointEveryCommits)
        {
            return;
        }

        lock (checkpointLock)
        {
            if (disposed || !checkpoint.IsCompleted || commitsSinceCheckpoint < CheckpointEveryCommits)
            {
                return;
            }

            commitsSinceCheckpoint = 0;
            Checkpoints++;
            checkpoint = Task.Run(() => database.CheckpointAsync(CancellationToken.None));
        }
    }

    /// <summary>Waits for a running checkpoint and closes the kept sessions.</summary>
    public void Dispose()
    {
        Task running;
        lock (checkpointLock)
        {
            disposed = true;
            running = checkpoint;
        }

        try
        {
            running.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // A failed background checkpoint lost nothing: the WAL keeps every commit, and the next connection's checkpoint copies it.
        }

        while (idle.TryTake(out var session))
        {
            session.Dispose();
        }
    }
}

/// <summary>One kept connection and its commands, one per statement text (see <see cref="PreparedSessions"/>).</summary>
public sealed class PreparedSession : IDisposable
{
    private readonly PreparedSessions owner;
    private readonly AutopackDatabase database;
    private readonly Dictionary<string, DbCommand> commands = new(StringComparer.Ordinal);

    internal PreparedSession(PreparedSessions owner, AutopackDatabase database, DbConnection connection)
    {
        this.owner = owner;
        this.database = database;
        Connection = connection;
    }

    /// <summary>The open connection, for statements run once in a while (not kept).</summary>
    public DbConnection Connection { get; }

    public Task<DbTransaction> BeginWriteAsync(CancellationToken cancellationToken) => database.BeginWriteAsync(Connection, cancellationToken);

    /// <summary>Commits, and counts the commit towards the next background checkpoint.</summary>
    public async Task CommitAsync(DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        owner.Committed();
    }

    /// <summary>
    /// This statement's kept command in <paramref name="transaction"/>, its parameters set to these values (null written
    /// as NULL). The same statement text must always come with the same parameter names, in the same order.
    /// </summary>
    public DbCommand Command(DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = Connection.Command(transaction, sql, parameters);
            commands.Add(sql, command);
            return command;
        }

        if (command.Parameters.Count != parameters.Length)
        {
            throw new ArgumentException($"the statement was first run with {command.Parameters.Count} parameters, now with {parameters.Length}", nameof(parameters));
        }

        command.Transaction = transaction;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.Parameters[i];
            if (!string.Equals(parameter.ParameterName, parameters[i].Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"parameter {i} was first {parameter.ParameterName}, now {parameters[i].Name}", nameof(parameters));
            }

            parameter.Value = parameters[i].Value ?? DBNull.Value;
        }

        return command;
    }

    /// <summary>Runs a kept statement; how many rows it changed.</summary>
    public Task<int> ExecuteAsync(DbTransaction? transaction, string sql, CancellationToken cancellationToken, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Command(transaction, sql, parameters).ExecuteNonQueryAsync(cancellationToken);

    /// <summary>The first column of the first row of a kept statement as a long (0 when there is no row or it is NULL).</summary>
    public Task<long> ScalarAsync(DbTransaction? transaction, string sql, CancellationToken cancellationToken, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        ScalarAsync(Command(transaction, sql, parameters), cancellationToken);

    private static async Task<long> ScalarAsync(DbCommand command, CancellationToken cancellationToken) =>
        SqlCommands.ToLong(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));

    public void Dispose()
    {
        foreach (var command in commands.Values)
        {
            command.Dispose();
        }

        commands.Clear();
        Connection.Dispose();
    }
}
