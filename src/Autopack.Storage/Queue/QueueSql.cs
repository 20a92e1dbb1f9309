using System.Globalization;
using Microsoft.Data.Sqlite;

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
    /// Parameter: <c>$fresh</c>, the oldest heartbeat that still counts as alive.
    /// </summary>
    public const string OccupiedRuns = """
        SELECT c.run_id FROM run_claims c JOIN workers w ON w.worker_id = c.worker_id
        WHERE c.released_at IS NULL AND w.heartbeat_at > $fresh
        UNION
        SELECT l.run_id FROM executor_leases l WHERE l.heartbeat_at > $fresh
        """;

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static async Task<long> LongAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    public static async Task<string?> TextAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
    }

    public static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends to the audit trail inside the caller's transaction.</summary>
    public static Task AppendEventAsync(SqliteConnection connection, SqliteTransaction transaction, string? runId, string kind, string message, string now, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO events (run_id, phase_id, kind, message, created_at) VALUES ($r, NULL, $k, $m, $c)",
            cancellationToken,
            ("$r", runId),
            ("$k", kind),
            ("$m", message),
            ("$c", now));
}
