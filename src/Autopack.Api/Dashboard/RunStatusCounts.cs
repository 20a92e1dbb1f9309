using Autopack.Domain.Runs;
using Autopack.Storage.Database;

namespace Autopack.Api.Dashboard;

/// <summary>How many runs are in each status, every status listed (one GROUP BY over <c>ix_runs_status</c>).</summary>
public static class RunStatusCounts
{
    public const string CommandText = "SELECT status, count(*) FROM runs GROUP BY status";

    public static async Task<IReadOnlyDictionary<string, long>> ReadAsync(SqliteDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var counts = StatusNames.AllRunNames.ToDictionary(s => s, _ => 0L, StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = CommandText;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
