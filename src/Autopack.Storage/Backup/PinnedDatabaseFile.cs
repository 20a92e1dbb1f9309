using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Backup;

/// <summary>
/// The live database file held still, so that reading it gives a consistent snapshot without copying it first
/// (ADR-035). In WAL mode only a checkpoint writes into the database file, and a checkpoint cannot copy frames into
/// it while a reader that reads the file alone (the WAL being empty when its transaction began) holds its read
/// lock. So: checkpoint the WAL away (TRUNCATE), begin a read transaction, and check that the WAL was still empty when
/// it began; then, until <see cref="Dispose"/>, the file's bytes are exactly the transactions committed at that
/// moment, while writers go on appending to the WAL. When the WAL cannot be emptied (a reader or writer always in the
/// way), <see cref="TryPin"/> gives up and the caller takes an online-backup copy instead.
/// </summary>
internal sealed class PinnedDatabaseFile : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;

    private PinnedDatabaseFile(SqliteConnection connection, SqliteTransaction transaction, string path, long length, long schemaVersion)
    {
        this.connection = connection;
        this.transaction = transaction;
        Path = path;
        Length = length;
        SchemaVersion = schemaVersion;
    }

    public string Path { get; }

    /// <summary>The file's length, which cannot change while it is pinned.</summary>
    public long Length { get; }

    /// <summary>The schema version the pinned state holds (0: never migrated).</summary>
    public long SchemaVersion { get; }

    /// <summary>Pins the database file; null when the WAL could not be emptied in <paramref name="tries"/> tries.</summary>
    public static PinnedDatabaseFile? TryPin(SqliteDatabase database, int tries = 5)
    {
        ArgumentNullException.ThrowIfNull(database);
        for (var attempt = 0; attempt < tries; attempt++)
        {
            var connection = database.Open();
            SqliteTransaction? transaction = null;
            var pinned = false;
            try
            {
                using (var checkpoint = connection.CreateCommand())
                {
                    // Waits up to a second per try for readers of the WAL to finish (the connection's own busy timeout
                    // is back at its default when the pool hands it out again). Result: busy, log frames, checkpointed
                    // frames; busy = 1 when a reader or writer kept it from finishing.
                    checkpoint.CommandText = "PRAGMA busy_timeout = 1000";
                    checkpoint.ExecuteNonQuery();
                    checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                    using var result = checkpoint.ExecuteReader();
                    if (!result.Read() || result.GetInt64(0) != 0)
                    {
                        continue;
                    }
                }

                transaction = connection.BeginTransaction(deferred: true);
                var schema = ReadSchemaVersion(connection, transaction);

                // The read transaction began at its first read, above. An empty WAL now means it was empty then (a WAL
                // only shrinks by a checkpoint, which our lock now blocks): the transaction reads the file alone.
                var wal = new FileInfo(database.FullPath + "-wal");
                if (wal.Exists && wal.Length > 0)
                {
                    continue;
                }

                pinned = true;
                return new PinnedDatabaseFile(connection, transaction, database.FullPath, new FileInfo(database.FullPath).Length, schema);
            }
            finally
            {
                if (!pinned)
                {
                    transaction?.Dispose();
                    connection.Dispose();
                }
            }
        }

        return null;
    }

    public void Dispose()
    {
        transaction.Dispose();
        connection.Dispose();
    }

    private static long ReadSchemaVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{DatabaseMigrator.VersionTable}'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        command.CommandText = $"SELECT coalesce(max(Version), 0) FROM \"{DatabaseMigrator.VersionTable}\"";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
