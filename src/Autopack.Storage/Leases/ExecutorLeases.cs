using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Leases;

/// <summary>
/// One executor per run: a row in <c>executor_leases</c> with a heartbeat. A fresh lease refuses a second
/// executor; a stale one (its executor died) is taken over.
/// </summary>
public sealed class ExecutorLeases(SqliteDatabase database, TimeProvider time)
{
    public async Task<LeaseOutcome> TryAcquireAsync(string runId, string ownerId, int pid, string host, TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var lease = await db.ExecutorLeases.FirstOrDefaultAsync(l => l.RunId == runId, cancellationToken).ConfigureAwait(false);
        var tookOver = false;
        if (lease is not null)
        {
            var age = now - lease.HeartbeatAt;
            if (lease.OwnerId != ownerId && IsFresh(lease, now, staleAfter))
            {
                return new LeaseOutcome(false, false, lease.OwnerId, lease.Pid, lease.Host, age);
            }

            tookOver = lease.OwnerId != ownerId;
            db.ExecutorLeases.Remove(lease);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            if (tookOver)
            {
                db.Events.Add(new EventRow
                {
                    RunId = runId,
                    Kind = "lease_taken_over",
                    Message = $"executor {lease.OwnerId} (pid {lease.Pid} on {lease.Host}) silent for {age.TotalSeconds:F0}s; lease taken over by pid {pid}",
                    CreatedAt = now,
                });
            }
        }

        db.ExecutorLeases.Add(new ExecutorLeaseRow { RunId = runId, OwnerId = ownerId, Pid = pid, Host = host, AcquiredAt = now, HeartbeatAt = now });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
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
        await using var db = database.CreateContext();
        var now = time.GetUtcNow().UtcDateTime;
        var updated = await db.ExecutorLeases
            .Where(l => l.RunId == runId && l.OwnerId == ownerId)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.HeartbeatAt, now), cancellationToken).ConfigureAwait(false);
        return updated == 1;
    }

    /// <summary>Whether <paramref name="ownerId"/> holds the run's lease now (checked before work outside the database, such as git).</summary>
    public async Task<bool> IsHeldAsync(string runId, string ownerId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.ExecutorLeases.AnyAsync(l => l.RunId == runId && l.OwnerId == ownerId, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(string runId, string ownerId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await db.ExecutorLeases.Where(l => l.RunId == runId && l.OwnerId == ownerId)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ExecutorLeaseRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.ExecutorLeases.AsNoTracking().OrderBy(l => l.RunId).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when some executor holds a lease with a heartbeat younger than <paramref name="staleAfter"/>.</summary>
    public async Task<bool> AnyFreshAsync(TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        var threshold = time.GetUtcNow().UtcDateTime - staleAfter;
        await using var db = database.CreateContext();
        return await db.ExecutorLeases.AnyAsync(l => l.HeartbeatAt > threshold, cancellationToken).ConfigureAwait(false);
    }
}
