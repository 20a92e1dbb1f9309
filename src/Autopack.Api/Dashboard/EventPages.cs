using System.Data.Common;
using Autopack.Api.Database;
using Autopack.Storage.Database;

namespace Autopack.Api.Dashboard;

/// <summary>
/// Pages of the <c>events</c> trail, newest first, for one run (over <c>ix_events_run</c>) or all runs (over the
/// primary key). Each condition is written out rather than <c>@x IS NULL OR ...</c>, which would keep SQLite
/// from using the index.
/// </summary>
public static class EventPages
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The newest <c>@limit</c> events, of one run (<c>@run</c>) or all, older than <c>@before</c> when paging.</summary>
    public static string CommandText(bool forRun, bool before)
    {
        var conditions = new List<string>();
        if (forRun)
        {
            conditions.Add("run_id = @run");
        }

        if (before)
        {
            conditions.Add("id < @before");
        }

        var where = conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", conditions);
        return $"SELECT id, run_id, phase_id, kind, message, created_at FROM events{where} ORDER BY id DESC LIMIT @limit";
    }

    public static async Task<EventPageView> ReadAsync(AutopackDatabase database, string? runId, long? before, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, runId, before, limit, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<EventPageView> ReadAsync(DbConnection connection, string? runId, long? before, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = CommandText(forRun: runId is not null, before: before is not null);
        if (runId is not null)
        {
            command.AddParameter("@run", runId);
        }

        if (before is { } id)
        {
            command.AddParameter("@before", id);
        }

        command.AddParameter("@limit", limit + 1);

        var events = new List<EventView>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new EventView(
                reader.GetLong(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                DbTime.FromText(reader.GetString(5))));
        }

        var more = events.Count > limit;
        return new EventPageView(more ? events[..limit] : events, more);
    }
}
