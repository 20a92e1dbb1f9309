using System.Data.Common;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Events;

namespace Autopack.Storage.Leases;

/// <summary>
/// One executor per run: a row in <c>executor_leases</c> with a heartbeat. A fresh lease refuses a second
/// executor; a stale one (its executor died) is taken over. Plain SQL: the executor's first write (ADR-034).
/// </summary>
public sealed class ExecutorLeases(AutopackDatabase database, TimeProvider time)
{
    private const string Columns = "run_id, owner_id, pid, host, acquired_at, heartbeat_at";

    public async Task<LeaseOutcome> TryAcquireAsync(string runId, string ownerId, int pid, string host, TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;

        // On PostgreSQL the run's row is locked first: two executors taking a run that has no lease row yet (nothing
        // to lock) are still served one at a time. SQLite's write transaction serialises them already.
        if (database.ForUpdate.Length > 0)
        {
            await connection.ScalarAsync(transaction, $"SELECT 1 FROM runs WHERE run_id = @r{database.ForUpdate}", cancellationToken, ("@r", runId)).ConfigureAwait(false);
        }

        var lease = await ReadAsync(connection, transaction, $"WHERE run_id = @r{database.ForUpdate}", cancellationToken, ("@r", runId)).ConfigureAwait(false) is [var held] ? held : null;
        var tookOver = false;
        if (lease is not null)
        {
            var age = now - lease.HeartbeatAt;
            if (lease.OwnerId != ownerId && IsFresh(lease, now, staleAfter))
            {
                return new LeaseOutcome(false, false, lease.OwnerId, lease.Pid, lease.Host, age);
            }

            tookOver = lease.OwnerId != ownerId;
            await connection.ExecuteAsync(transaction, "DELETE FROM executor_leases WHERE run_id = @r", cancellationToken, ("@r", runId)).ConfigureAwait(false);
            if (tookOver)
            {
                await EventRows.InsertAsync(
                    connection,
                    transaction,
                    runId,
                    null,
                    "lease_taken_over",
                    $"executor {lease.OwnerId} (pid {lease.Pid} on {lease.Host}) silent for {age.TotalSeconds:F0}s; lease taken over by pid {pid}",
                    now,
                    cancellationToken).ConfigureAwait(false);
            }
        }

        var stamp = DbTime.ToText(now);
        await connection.ExecuteAsync(
            transaction,
            $"INSERT INTO executor_leases ({Columns}) VALUES (@r, @o, @p, @h, @a, @b)",
            cancellationToken,
            ("@r", runId),
            ("@o", ownerId),
            ("@p", pid),
            ("@h", host),
            ("@a", stamp),
            ("@b", stamp)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new LeaseOutcome(true, tookOver, lease?.OwnerId, lease?.Pid, lease?.Host, lease is null ? null : now - lease.HeartbeatAt);
    }

    /// <summary>A lease whose heartbeat is younger than <paramref name="staleAfter"/>: its executor counts as alive.</summary>
    public static bool IsFresh(ExecutorLeaseRow lease, DateTime now, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return now - lease.HeartbeatAt < staleAfter;
    }

    /// <summary>Refreshes the heartbeat; false when the lease is no longer ours (taken over), so the executor must stop.</summary>
    public async Task<bool> HeartbeatAsync(string runId, string ownerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var updated = await connection.ExecuteAsync(
            null,
            "UPDATE executor_leases SET heartbeat_at = @b WHERE run_id = @r AND owner_id = @o",
            cancellationToken,
            ("@b", DbTime.ToText(time.GetUtcNow())),
            ("@r", runId),
            ("@o", ownerId)).ConfigureAwait(false);
        return updated == 1;
    }

    /// <summary>Whether <paramref name="ownerId"/> holds the run's lease now (checked before work outside the database, such as git).</summary>
    public async Task<bool> IsHeldAsync(string runId, string ownerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ScalarAsync(
            null, "SELECT count(*) FROM executor_leases WHERE run_id = @r AND owner_id = @o", cancellationToken, ("@r", runId), ("@o", ownerId)).ConfigureAwait(false) > 0;
    }

    public async Task ReleaseAsync(string runId, string ownerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            null, "DELETE FROM executor_leases WHERE run_id = @r AND owner_id = @o", cancellationToken, ("@r", runId), ("@o", ownerId)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ExecutorLeaseRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, "ORDER BY run_id", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when some executor holds a lease with a heartbeat younger than <paramref name="staleAfter"/>.</summary>
    public async Task<bool> AnyFreshAsync(TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        var threshold = time.GetUtcNow().UtcDateTime - staleAfter;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ScalarAsync(
            null, "SELECT count(*) FROM executor_leases WHERE heartbeat_at > @t", cancellationToken, ("@t", DbTime.ToText(threshold))).ConfigureAwait(false) > 0;
    }

    private static async Task<List<ExecutorLeaseRow>> ReadAsync(
        DbConnection connection, DbTransaction? transaction, string where, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, $"SELECT {Columns} FROM executor_leases {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var leases = new List<ExecutorLeaseRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases.Add(new ExecutorLeaseRow
            {
                RunId = reader.GetString(0),
                OwnerId = reader.GetString(1),
                Pid = reader.GetInt32(2),
                Host = reader.GetString(3),
                AcquiredAt = DbTime.FromText(reader.GetString(4)),
                HeartbeatAt = DbTime.FromText(reader.GetString(5)),
            });
        }

        return leases;
    }
}
