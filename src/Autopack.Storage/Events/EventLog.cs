using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Leases;

namespace Autopack.Storage.Events;

/// <summary>
/// Appends to and reads the append-only <c>events</c> trail. In an executor, an event about its run is written
/// only while it holds the run's lease (<see cref="LeaseFence"/>).
/// </summary>
public sealed class EventLog(AutopackDatabase database, TimeProvider time, LeaseFence? fence = null)
{
    public async Task AppendAsync(string kind, string message, string? runId = null, string? phaseId = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        fence?.EnsureHeld(database, connection, transaction, runId);
        await EventRows.InsertAsync(connection, transaction, runId, phaseId, kind, message, time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest events of a run (or of all runs), newest first.</summary>
    public async Task<IReadOnlyList<EventRow>> RecentAsync(string? runId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            null,
            "SELECT id, run_id, phase_id, kind, message, created_at FROM events" + (runId is null ? string.Empty : " WHERE run_id = @r") + " ORDER BY id DESC LIMIT @l",
            ("@r", runId),
            ("@l", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<EventRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new EventRow
            {
                Id = reader.GetInt64(0),
                RunId = reader.TextOrNull(1),
                PhaseId = reader.TextOrNull(2),
                Kind = reader.GetString(3),
                Message = reader.GetString(4),
                CreatedAt = DbTime.FromText(reader.GetString(5)),
            });
        }

        return events;
    }
}
