using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Leases;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Events;

/// <summary>
/// Appends to and reads the append-only <c>events</c> trail. In an executor, an event about its run is written
/// only while it holds the run's lease (<see cref="LeaseFence"/>).
/// </summary>
public sealed class EventLog(SqliteDatabase database, TimeProvider time, LeaseFence? fence = null)
{
    public async Task AppendAsync(string kind, string message, string? runId = null, string? phaseId = null, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (fence is not null)
        {
            await fence.EnsureHeldAsync(db, runId, cancellationToken).ConfigureAwait(false);
        }

        db.Events.Add(new EventRow { Kind = kind, Message = message, RunId = runId, PhaseId = phaseId, CreatedAt = time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest events of a run (or of all runs), newest first.</summary>
    public async Task<IReadOnlyList<EventRow>> RecentAsync(string? runId, int limit, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        var query = db.Events.AsNoTracking();
        if (runId is not null)
        {
            query = query.Where(e => e.RunId == runId);
        }

        return await query.OrderByDescending(e => e.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
    }
}
