using System.Data.Common;
using Autopack.Storage.Database;

namespace Autopack.Storage.Leases;

/// <summary>
/// An executor's claim on its run, checked inside each write transaction for that run: a write by an executor
/// whose lease was taken over (frozen, partitioned, too slow) is refused with <see cref="LeaseLostException"/>
/// instead of landing after the new owner's. Only the executor host registers one; the API and CLI write unfenced.
/// </summary>
public sealed record LeaseFence(string RunId, string OwnerId)
{
    /// <summary>
    /// Throws when this fence guards <paramref name="runId"/> and its owner no longer holds the lease. On PostgreSQL the
    /// lease row is share-locked until the transaction ends, so a takeover (which deletes it) waits for this write to
    /// commit and can never land between the check and the write; SQLite's write transaction excludes it already.
    /// </summary>
    /// <exception cref="LeaseLostException">the lease belongs to another executor now, or to none.</exception>
    public void EnsureHeld(AutopackDatabase database, DbConnection connection, DbTransaction transaction, string? runId)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(connection);
        if (runId != RunId)
        {
            return;
        }

        using var check = connection.Command(transaction, CheckSql(database), ("@r", RunId), ("@o", OwnerId));
        Verify(check.ExecuteScalar());
    }

    /// <summary>The same check as a kept statement of <paramref name="session"/> (the token ledger's).</summary>
    /// <exception cref="LeaseLostException">the lease belongs to another executor now, or to none.</exception>
    public void EnsureHeld(AutopackDatabase database, PreparedSession session, DbTransaction transaction, string? runId)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(session);
        if (runId == RunId)
        {
            Verify(session.Command(transaction, CheckSql(database), ("@r", RunId), ("@o", OwnerId)).ExecuteScalar());
        }
    }

    private static string CheckSql(AutopackDatabase database) =>
        $"SELECT 1 FROM executor_leases WHERE run_id = @r AND owner_id = @o{database.ForShare}";

    private void Verify(object? found)
    {
        if (found is null)
        {
            throw new LeaseLostException(RunId, OwnerId);
        }
    }
}
