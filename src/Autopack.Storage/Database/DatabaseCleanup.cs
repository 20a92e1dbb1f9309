namespace Autopack.Storage.Database;

/// <summary>What <c>autopack db cleanup</c> did.</summary>
public sealed record CleanupReport(int StaleLeases, int OrphanedReservations, long CheckpointedPages);

/// <summary>
/// Clears what dead processes leave behind: leases whose heartbeat is stale, reservations held by no live lease,
/// and on SQLite the WAL (checkpointed and truncated; PostgreSQL's server checkpoints by itself).
/// </summary>
public sealed class DatabaseCleanup(AutopackDatabase database, TimeProvider time)
{
    public async Task<CleanupReport> RunAsync(TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        int leases, reservations;
        await using (var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            leases = await connection.ExecuteAsync(
                transaction, "DELETE FROM executor_leases WHERE heartbeat_at < @threshold", cancellationToken, ("@threshold", DbTime.ToText(time.GetUtcNow() - staleAfter))).ConfigureAwait(false);
            reservations = await connection.ExecuteAsync(
                transaction,
                "DELETE FROM token_reservations WHERE NOT EXISTS (SELECT 1 FROM executor_leases l WHERE l.run_id = token_reservations.run_id AND l.owner_id = token_reservations.owner_id)",
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        long pages = 0;
        if (database is SqliteDatabase)
        {
            await using var checkpoint = connection.Command(null, "PRAGMA wal_checkpoint(TRUNCATE)");
            await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                pages = reader.GetInt64(2);
            }
        }

        return new CleanupReport(leases, reservations, pages);
    }
}
