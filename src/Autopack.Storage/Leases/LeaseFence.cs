using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;
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

    /// <summary>The same check on a plain connection, inside <paramref name="transaction"/> (the token ledger's SQL).</summary>
    /// <exception cref="LeaseLostException">the lease belongs to another executor now, or to none.</exception>
    public void EnsureHeld(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (runId != RunId)
        {
            return;
        }

        using var check = connection.CreateCommand();
        check.Transaction = transaction;
        check.CommandText = "SELECT count(*) FROM executor_leases WHERE run_id = $r AND owner_id = $o";
        check.Parameters.AddWithValue("$r", RunId);
        check.Parameters.AddWithValue("$o", OwnerId);
        if ((long)check.ExecuteScalar()! == 0)
        {
            throw new LeaseLostException(RunId, OwnerId);
        }
    }
}
