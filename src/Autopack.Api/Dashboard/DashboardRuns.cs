using Autopack.Api.Runs;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;

namespace Autopack.Api.Dashboard;

/// <summary>
/// A page of runs, newest first, with progress and tokens used. The page's run ids are picked first (over
/// <c>ix_runs_created_at</c>), and only then are its 25 or so runs' figures read: phases by <c>ux_phases_run_position</c>,
/// tokens from the trigger-kept <c>budget_totals</c> (one primary-key lookup, however many usage rows the run has).
/// Aggregating in the outer query of a LIMIT/OFFSET would make SQLite compute them for every skipped row too.
/// </summary>
public static class DashboardRuns
{
    public static string CommandText(bool byStatus) => $"""
        SELECT r.run_id, r.status, r.goal, r.token_cap, r.created_at, r.started_at, r.finished_at, r.failure_reason,
               (SELECT count(*) FROM phases p WHERE p.run_id = r.run_id),
               (SELECT coalesce(sum(p.status = 'COMPLETE'), 0) FROM phases p WHERE p.run_id = r.run_id),
               coalesce((SELECT t.used_tokens FROM budget_totals t WHERE t.scope = 'run' AND t.id = r.run_id), 0)
        FROM (SELECT * FROM runs{(byStatus ? " WHERE status = $status" : string.Empty)}
              ORDER BY created_at DESC, run_id DESC LIMIT $limit OFFSET $offset) r
        ORDER BY r.created_at DESC, r.run_id DESC
        """;

    public static async Task<IReadOnlyList<RunView>> ReadAsync(
        SqliteDatabase database, RunStatus? status, int limit, int offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = CommandText(byStatus: status is not null);
        if (status is { } s)
        {
            command.Parameters.AddWithValue("$status", s.ToName());
        }

        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
        var runs = new List<RunView>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RunView(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.GetInt64(10),
                reader.GetInt32(8),
                reader.GetInt32(9),
                DbTime.FromText(reader.GetString(4)),
                reader.IsDBNull(5) ? null : DbTime.FromText(reader.GetString(5)),
                reader.IsDBNull(6) ? null : DbTime.FromText(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return runs;
    }
}
