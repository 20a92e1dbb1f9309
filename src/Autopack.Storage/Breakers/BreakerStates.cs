using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Events;

namespace Autopack.Storage.Breakers;

/// <summary>
/// Circuit-breaker states published by the executors (where the breakers live) so the API can show them, and
/// reset requests from operators that the executors pick up.
/// </summary>
public sealed class BreakerStates(AutopackDatabase database, TimeProvider time)
{
    public async Task PublishAsync(string name, string state, int failureCount, DateTime? openedAt, string reporter, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            null,
            """
            INSERT INTO circuit_breakers (name, state, failure_count, opened_at, updated_at, reported_by) VALUES (@n, @s, @f, @o, @u, @r)
            ON CONFLICT (name) DO UPDATE SET state = excluded.state, failure_count = excluded.failure_count, opened_at = excluded.opened_at,
              updated_at = excluded.updated_at, reported_by = excluded.reported_by
            """,
            cancellationToken,
            ("@n", name),
            ("@s", state),
            ("@f", failureCount),
            ("@o", SqlCommands.ToText(openedAt)),
            ("@u", DbTime.ToText(time.GetUtcNow())),
            ("@r", reporter)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CircuitBreakerRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            null, "SELECT name, state, failure_count, opened_at, updated_at, reported_by, reset_requested_at FROM circuit_breakers ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<CircuitBreakerRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new CircuitBreakerRow
            {
                Name = reader.GetString(0),
                State = reader.GetString(1),
                FailureCount = reader.GetInt32(2),
                OpenedAt = reader.TimeOrNull(3),
                UpdatedAt = DbTime.FromText(reader.GetString(4)),
                ReportedBy = reader.TextOrNull(5),
                ResetRequestedAt = reader.TimeOrNull(6),
            });
        }

        return rows;
    }

    /// <summary>Asks the executors to close the named breakers (all when <paramref name="name"/> is null); returns how many rows were marked.</summary>
    public async Task<int> RequestResetAsync(string? name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var count = await connection.ExecuteAsync(
            transaction,
            "UPDATE circuit_breakers SET reset_requested_at = @t" + (name is null ? string.Empty : " WHERE name = @n"),
            cancellationToken,
            ("@t", DbTime.ToText(now)),
            ("@n", name)).ConfigureAwait(false);
        await EventRows.InsertAsync(connection, transaction, null, null, "breaker_reset_requested", $"reset requested for {name ?? "all breakers"}", now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// The latest reset request per breaker. Requests are not consumed: every executor running at the time applies
    /// each request newer than the last one it applied (see LeaseHeartbeat), so two executors both reset.
    /// </summary>
    public async Task<IReadOnlyList<(string Name, DateTime RequestedAt)>> ResetRequestsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(null, "SELECT name, reset_requested_at FROM circuit_breakers WHERE reset_requested_at IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var requests = new List<(string, DateTime)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            requests.Add((reader.GetString(0), DbTime.FromText(reader.GetString(1))));
        }

        return requests;
    }
}
