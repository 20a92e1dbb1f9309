using System.Data.Common;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Events;

namespace Autopack.Storage.Runtime;

/// <summary>
/// The executor's side of <c>control_requests</c>: a run's unhandled requests, and marking one handled together
/// with its <c>events</c> row in one transaction, at most once (a second mark finds it handled and records nothing).
/// </summary>
public sealed class ControlRequestStore(AutopackDatabase database, TimeProvider time)
{
    internal const string Columns = "id, run_id, phase_id, kind, source, requested_at, handled_at, handled_by, outcome";

    /// <summary>The run's requests that no executor has handled yet, oldest first.</summary>
    public async Task<IReadOnlyList<ControlRequestRow>> PendingAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, "WHERE run_id = @r AND handled_at IS NULL ORDER BY id", cancellationToken, ("@r", runId)).ConfigureAwait(false);
    }

    /// <summary>The newest handled request of the run with this kind and (for a timeout) phase; null when none.</summary>
    public async Task<ControlRequestRow?> LastHandledAsync(string runId, string kind, string? phaseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await ReadAsync(
            connection,
            "WHERE run_id = @r AND kind = @k AND " + (phaseId is null ? "phase_id IS NULL" : "phase_id = @p") + " AND handled_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            cancellationToken,
            ("@r", runId),
            ("@k", kind),
            ("@p", phaseId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>When the run last became PAUSED (its <c>run_status</c> event); null when it never was.</summary>
    public async Task<DateTime?> LastPausedAtAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            null,
            "SELECT created_at FROM events WHERE run_id = @r AND kind = 'run_status' AND message LIKE '%-> PAUSED%' ORDER BY id DESC LIMIT 1",
            ("@r", runId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string text ? DbTime.FromText(text) : null;
    }

    /// <summary>
    /// Marks a stored request handled and records <paramref name="eventMessage"/> as a <c>control_command</c> event,
    /// both or neither; false (nothing written) when it was already handled.
    /// </summary>
    public async Task<bool> MarkHandledAsync(long id, string handledBy, string outcome, string eventMessage, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        string? runId = null;
        string? phaseId = null;
        await using (var select = connection.Command(transaction, $"SELECT run_id, phase_id FROM control_requests WHERE id = @id AND handled_at IS NULL{database.ForUpdate}", ("@id", id)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            (runId, phaseId) = (reader.GetString(0), reader.TextOrNull(1));
        }

        await connection.ExecuteAsync(
            transaction,
            "UPDATE control_requests SET handled_at = @h, handled_by = @b, outcome = @o WHERE id = @id",
            cancellationToken,
            ("@h", DbTime.ToText(now)),
            ("@b", handledBy),
            ("@o", outcome),
            ("@id", id)).ConfigureAwait(false);
        await EventRows.InsertAsync(connection, transaction, runId, phaseId, "control_command", eventMessage, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Stores an operator's echo that an executor has just handled (source <c>file</c>), with its event.</summary>
    public async Task RecordFileCommandAsync(ControlCommand command, string runId, DateTime writtenAt, string handledBy, string outcome, string eventMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var phaseId = command.Kind == ControlKind.Timeout ? command.TargetId : null;
        await InsertAsync(connection, transaction, runId, phaseId, ControlCommand.WordOf(command.Kind), ControlRequests.Name(ControlSource.File), writtenAt, now, handledBy, outcome, cancellationToken).ConfigureAwait(false);
        await EventRows.InsertAsync(connection, transaction, runId, phaseId, "control_command", eventMessage, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts a request inside the caller's transaction; its id.</summary>
    internal static Task<long> InsertAsync(
        DbConnection connection, DbTransaction transaction, string runId, string? phaseId, string kind, string source, DateTime requestedAt, DateTime? handledAt, string? handledBy, string? outcome, CancellationToken cancellationToken) =>
        connection.ScalarAsync(
            transaction,
            "INSERT INTO control_requests (run_id, phase_id, kind, source, requested_at, handled_at, handled_by, outcome) VALUES (@r, @p, @k, @s, @q, @h, @b, @o) RETURNING id",
            cancellationToken,
            ("@r", runId),
            ("@p", phaseId),
            ("@k", kind),
            ("@s", source),
            ("@q", DbTime.ToText(requestedAt)),
            ("@h", SqlCommands.ToText(handledAt)),
            ("@b", handledBy),
            ("@o", outcome));

    private static async Task<List<ControlRequestRow>> ReadAsync(DbConnection connection, string where, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(null, $"SELECT {Columns} FROM control_requests {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ControlRequestRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ControlRequestRow
            {
                Id = reader.GetInt64(0),
                RunId = reader.GetString(1),
                PhaseId = reader.TextOrNull(2),
                Kind = reader.GetString(3),
                Source = reader.GetString(4),
                RequestedAt = DbTime.FromText(reader.GetString(5)),
                HandledAt = reader.TimeOrNull(6),
                HandledBy = reader.TextOrNull(7),
                Outcome = reader.TextOrNull(8),
            });
        }

        return rows;
    }
}
