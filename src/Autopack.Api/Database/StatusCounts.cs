using System.Data.Common;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;

namespace Autopack.Api.Database;

/// <summary>
/// How many runs (or phases) are in each status, every status listed: one GROUP BY over the status index, for
/// GET /runs' total, the dashboard's summary and /metrics.
/// </summary>
public static class StatusCounts
{
    public const string RunsCommandText = "SELECT status, count(*) FROM runs GROUP BY status";

    public const string PhasesCommandText = "SELECT status, count(*) FROM phases GROUP BY status";

    /// <summary>
    /// The statuses of a run that has not ended, as an SQL list: <c>('QUEUED', 'EXECUTING', 'PAUSED')</c>, for the
    /// queries that look at active runs only.
    /// </summary>
    public static string ActiveRunStatuses { get; } =
        $"({string.Join(", ", Enum.GetValues<RunStatus>().Where(s => !RunTransitions.IsTerminal(s)).Select(s => $"'{s.ToName()}'"))})";

    public static async Task<IReadOnlyDictionary<string, long>> RunsAsync(AutopackDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await RunsAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    public static Task<IReadOnlyDictionary<string, long>> RunsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ReadAsync(connection, RunsCommandText, StatusNames.AllRunNames, cancellationToken);

    public static Task<IReadOnlyDictionary<string, long>> PhasesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ReadAsync(connection, PhasesCommandText, StatusNames.AllPhaseNames, cancellationToken);

    /// <summary>How many runs a filter matches: those in its status, or all of them.</summary>
    public static long Matching(IReadOnlyDictionary<string, long> runCounts, RunStatus? filter)
    {
        ArgumentNullException.ThrowIfNull(runCounts);
        return filter is { } status ? runCounts.GetValueOrDefault(status.ToName()) : runCounts.Values.Sum();
    }

    private static async Task<IReadOnlyDictionary<string, long>> ReadAsync(
        DbConnection connection, string commandText, IReadOnlyCollection<string> statuses, CancellationToken cancellationToken)
    {
        var counts = statuses.ToDictionary(s => s, _ => 0L, StringComparer.Ordinal);
        await using var command = connection.CreateCommand();
        command.CommandText = commandText;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetLong(1);
        }

        return counts;
    }
}
