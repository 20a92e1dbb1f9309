namespace Autopack.Storage.Database;

/// <summary>What <c>autopack db cleanup</c> did.</summary>
public sealed record CleanupReport(int StaleLeases, int OrphanedReservations, long CheckpointedPages);

/// <summary>
/// Clears what dead processes leave behind: leases whose heartbeat is stale, reservations held by no live lease,
/// and the WAL (checkpointed and truncated).
/// </summary>
public sealed class DatabaseCleanup(SqliteDatabase database, TimeProvider time)
{
    public async Task<CleanupReport> RunAsync(TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        int leases, reservations;
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM executor_leases WHERE heartbeat_at < $threshold";
            command.Parameters.AddWithValue("$threshold", DbTime.ToText(time.GetUtcNow() - staleAfter));
            leases = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            command.Parameters.Clear();
            command.CommandText =
                "DELETE FROM token_reservations WHERE NOT EXISTS (SELECT 1 FROM executor_leases l WHERE l.run_id = token_reservations.run_id AND l.owner_id = token_reservations.owner_id)";
            reservations = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long pages = 0;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            pages = reader.GetInt64(2);
        }

        return new CleanupReport(leases, reservations, pages);
    }
}
