using System.Data.Common;
using System.Globalization;
using Autopack.Storage.Database;

namespace Autopack.Storage.Queue;

/// <summary>
/// The SQL the queue's classes share, and a compact way to run a statement with parameters. The statements are
/// plain SQL that PostgreSQL reads as well (text times compared as text, integer flags, <c>||</c>, <c>RETURNING</c>);
/// where a PostgreSQL variant must differ, the class that runs the statement says so.
/// </summary>
internal static class QueueSql
{
    /// <summary>
    /// The runs that hold a slot of <c>executing_limit</c>: claimed by a worker whose heartbeat is fresh, or leased
    /// by an executor whose heartbeat is fresh (a claimed run's executor, or one an operator started by hand).
    /// Parameter: <c>@fresh</c>, the oldest heartbeat that still counts as alive.
    /// </summary>
    public const string OccupiedRuns = """
        SELECT c.run_id FROM run_claims c JOIN workers w ON w.worker_id = c.worker_id
        WHERE c.released_at IS NULL AND w.heartbeat_at > @fresh
        UNION
        SELECT l.run_id FROM executor_leases l WHERE l.heartbeat_at > @fresh
        """;

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        connection.Command(transaction, sql, parameters);

    public static Task<long> LongAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        connection.ScalarAsync(transaction, sql, cancellationToken, parameters);

    public static async Task<string?> TextAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
    }

    public static Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        connection.ExecuteAsync(transaction, sql, cancellationToken, parameters);

    /// <summary>Appends to the audit trail inside the caller's transaction.</summary>
    public static Task AppendEventAsync(DbConnection connection, DbTransaction transaction, string? runId, string kind, string message, string now, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO events (run_id, phase_id, kind, message, created_at) VALUES (@r, NULL, @k, @m, @c)",
            cancellationToken,
            ("@r", runId),
            ("@k", kind),
            ("@m", message),
            ("@c", now));
}
