using Autopack.Storage.Database;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Leases;

/// <summary>
/// An executor's claim on its run, checked inside each write transaction for that run: a write by an executor
/// whose lease was taken over (frozen, partitioned, too slow) is refused with <see cref="LeaseLostException"/>
/// instead of landing after the new owner's. Only the executor host registers one; the API and CLI write unfenced.
/// </summary>
public sealed record LeaseFence(string RunId, string OwnerId)
{
    /// <summary>Throws when this fence guards <paramref name="runId"/> and its owner no longer holds the lease.</summary>
    /// <exception cref="LeaseLostException">the lease belongs to another executor now, or to none.</exception>
    public async Task EnsureHeldAsync(AutopackDbContext db, string? runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (runId != RunId)
        {
            return;
        }

        var held = await db.ExecutorLeases.AnyAsync(l => l.RunId == RunId && l.OwnerId == OwnerId, cancellationToken).ConfigureAwait(false);
        if (!held)
        {
            throw new LeaseLostException(RunId, OwnerId);
        }
    }
}
