using System.Data.Common;
using Autopack.Storage.Database;

namespace Autopack.Storage.Queue;

/// <summary>Reads the queue's state in one read transaction (one consistent snapshot of settings, runs, claims and workers).</summary>
public sealed class QueueReader(AutopackDatabase database, TimeProvider time)
{
    public async Task<QueueStatus> ReadAsync(TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var fresh = DbTime.ToText(now - staleAfter);
        var settings = await QueueControl.ReadSettingsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

        // Waiting runs: QUEUED and not yet held (a claimed run counts as executing from its claim on).
        var queued = await QueueSql.LongAsync(
            connection, transaction, $"SELECT count(*) FROM runs WHERE status = 'QUEUED' AND run_id NOT IN ({QueueSql.OccupiedRuns})", cancellationToken, ("@fresh", fresh))
            .ConfigureAwait(false);
        var oldest = await QueueSql.TextAsync(
            connection, transaction, $"SELECT min(created_at) FROM runs WHERE status = 'QUEUED' AND run_id NOT IN ({QueueSql.OccupiedRuns})", cancellationToken, ("@fresh", fresh))
            .ConfigureAwait(false);
        var executing = await QueueSql.LongAsync(connection, transaction, $"SELECT count(*) FROM ({QueueSql.OccupiedRuns}) AS occupied", cancellationToken, ("@fresh", fresh)).ConfigureAwait(false);
        var orphans = await QueueSql.LongAsync(
            connection,
            transaction,
            $"SELECT count(*) FROM runs WHERE status = 'EXECUTING' AND run_id NOT IN ({QueueSql.OccupiedRuns})",
            cancellationToken,
            ("@fresh", fresh)).ConfigureAwait(false);
        var since = DbTime.ToText(now - QueueStatus.BacklogWindow);
        var arrived = await QueueSql.LongAsync(connection, transaction, "SELECT count(*) FROM runs WHERE created_at > @since", cancellationToken, ("@since", since)).ConfigureAwait(false);
        var claimed = await QueueSql.LongAsync(connection, transaction, "SELECT count(*) FROM run_claims WHERE claimed_at > @since", cancellationToken, ("@since", since)).ConfigureAwait(false);
        var workers = await ReadWorkersAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new QueueStatus(settings, queued, executing, orphans, oldest is null ? null : DbTime.FromText(oldest), workers, arrived, claimed, now, staleAfter);
    }

    private static async Task<IReadOnlyList<WorkerInfo>> ReadWorkersAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = QueueSql.Command(connection, transaction, """
            SELECT w.worker_id, w.host, w.pid, w.concurrency, w.state, w.started_at, w.heartbeat_at,
                   (SELECT count(*) FROM run_claims c WHERE c.worker_id = w.worker_id AND c.released_at IS NULL)
            FROM workers w ORDER BY w.started_at, w.worker_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            workers.Add(new WorkerInfo(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetInt32(3),
                reader.GetString(4),
                DbTime.FromText(reader.GetString(5)),
                DbTime.FromText(reader.GetString(6)),
                reader.GetInt32(7)));
        }

        return workers;
    }
}
