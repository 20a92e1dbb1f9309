using System.Data.Common;
using Autopack.Storage.Database;

namespace Autopack.Storage.Queue;

/// <summary>
/// The <c>workers</c> table: a worker registers when it starts, heartbeats (every AUTOPACK_HEARTBEAT_SECONDS), says
/// STOPPING on SIGTERM and removes itself when it exits. A worker killed -9 stays with a heartbeat that grows old:
/// shown as stale, its claims no longer live (ADR-031); live workers remove it, and close its claims nobody took
/// over, after <see cref="LostWorkerRetention"/>.
/// </summary>
public sealed class WorkerRegistry(AutopackDatabase database, TimeProvider time)
{
    /// <summary>How long a dead worker's row stays visible (as stale) before a live worker removes it, with a <c>worker_lost</c> event.</summary>
    public static readonly TimeSpan LostWorkerRetention = TimeSpan.FromHours(1);

    public async Task RegisterAsync(WorkerRegistration worker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var now = DbTime.ToText(time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await InsertAsync(worker, now, connection, transaction, cancellationToken).ConfigureAwait(false);
        await QueueSql.AppendEventAsync(
            connection, transaction, null, "worker_started", $"worker {worker.WorkerId} (pid {worker.Pid} on {worker.Host}, concurrency {worker.Concurrency}) started", now, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Refreshes the heartbeat (registering again if the row was removed while this worker was frozen) and removes
    /// workers silent for longer than <see cref="LostWorkerRetention"/>. Returns how many lost workers were removed.
    /// </summary>
    public async Task<int> HeartbeatAsync(WorkerRegistration worker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var now = time.GetUtcNow().UtcDateTime;
        var nowText = DbTime.ToText(now);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var updated = await QueueSql.ExecuteAsync(
            connection, transaction, "UPDATE workers SET heartbeat_at = @now WHERE worker_id = @w", cancellationToken, ("@now", nowText), ("@w", worker.WorkerId))
            .ConfigureAwait(false);
        if (updated == 0)
        {
            await InsertAsync(worker, nowText, connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        var lostBefore = DbTime.ToText(now - LostWorkerRetention);
        var lost = new List<(string Id, string Host, long Pid, string Heartbeat)>();
        await using (var select = QueueSql.Command(connection, transaction, "SELECT worker_id, host, pid, heartbeat_at FROM workers WHERE heartbeat_at < @before", ("@before", lostBefore)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                lost.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }

        foreach (var (id, host, pid, heartbeat) in lost)
        {
            await QueueSql.ExecuteAsync(connection, transaction, "DELETE FROM workers WHERE worker_id = @w", cancellationToken, ("@w", id)).ConfigureAwait(false);

            // Its claims that nobody took over (their runs ended under executors that outlived it, or wait PAUSED) are closed.
            await QueueSql.ExecuteAsync(
                connection,
                transaction,
                "UPDATE run_claims SET released_at = @now, outcome = @o WHERE worker_id = @w AND released_at IS NULL",
                cancellationToken,
                ("@now", nowText),
                ("@o", $"worker lost: silent since {heartbeat}"),
                ("@w", id)).ConfigureAwait(false);
            await QueueSql.AppendEventAsync(
                connection, transaction, null, "worker_lost", $"worker {id} (pid {pid} on {host}) silent since {heartbeat}; removed by worker {worker.WorkerId}", nowText, cancellationToken)
                .ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return lost.Count;
    }

    /// <summary>Records that the worker stopped claiming (SIGTERM): it only waits for its executors now.</summary>
    public async Task SetStoppingAsync(string workerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await QueueSql.ExecuteAsync(
            connection, null, "UPDATE workers SET state = @s, heartbeat_at = @now WHERE worker_id = @w", cancellationToken,
            ("@s", WorkerStates.Stopping), ("@now", DbTime.ToText(time.GetUtcNow())), ("@w", workerId)).ConfigureAwait(false);
    }

    /// <summary>Removes the worker's row as it exits; <paramref name="summary"/> goes to the <c>worker_stopped</c> event.</summary>
    public async Task RemoveAsync(string workerId, string summary, CancellationToken cancellationToken = default)
    {
        var now = DbTime.ToText(time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await QueueSql.ExecuteAsync(connection, transaction, "DELETE FROM workers WHERE worker_id = @w", cancellationToken, ("@w", workerId)).ConfigureAwait(false);
        await QueueSql.AppendEventAsync(connection, transaction, null, "worker_stopped", $"worker {workerId} stopped: {summary}", now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task InsertAsync(WorkerRegistration worker, string now, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        QueueSql.ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO workers (worker_id, host, pid, concurrency, state, started_at, heartbeat_at) VALUES (@w, @h, @p, @c, @s, @now, @now)",
            cancellationToken,
            ("@w", worker.WorkerId),
            ("@h", worker.Host),
            ("@p", worker.Pid),
            ("@c", worker.Concurrency),
            ("@s", WorkerStates.Running),
            ("@now", now));
}
