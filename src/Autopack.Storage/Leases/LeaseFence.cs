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
    /// <summary>Throws when this fence guards <paramref name="runId"/> and its owner no longer holds the lease.</summary>
    /// <exception cref="LeaseLostException">the lease belongs to another executor now, or to none.</exception>
    public void EnsureHeld(DbConnection connection, DbTransaction transaction, string? runId)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (runId != RunId)
        {
            return;
        }

        using var check = connection.Command(transaction, "SELECT count(*) FROM executor_leases WHERE run_id = @r AND owner_id = @o", ("@r", RunId), ("@o", OwnerId));
        if (Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            throw new LeaseLostException(RunId, OwnerId);
        }
    }
}
