using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Backup;

/// <summary>
/// A consistent copy of a live database, taken while the server and executors keep writing. Both methods read
/// under one SQLite read transaction, which in WAL mode never blocks writers; the copy holds exactly the
/// transactions committed when it started. Copying the file itself would not be consistent (the WAL holds the
/// newest pages) and is never done.
/// </summary>
public static class DatabaseSnapshot
{
    /// <summary>Writes the snapshot to <paramref name="destinationPath"/>, which must not exist yet.</summary>
    public static async Task TakeAsync(SqliteDatabase source, string destinationPath, SnapshotMethod method, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        if (File.Exists(destinationPath))
        {
            throw new IOException($"snapshot target {destinationPath} already exists");
        }

        // The copy is one uninterruptible native call; run it off the caller's thread and honour cancellation around it.
        cancellationToken.ThrowIfCancellationRequested();
        await Task.Run(() => Take(source, destinationPath, method), cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void Take(SqliteDatabase source, string destinationPath, SnapshotMethod method)
    {
        using var connection = source.Open();
        if (method == SnapshotMethod.VacuumInto)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "VACUUM INTO $path";
            command.Parameters.AddWithValue("$path", destinationPath);
            command.ExecuteNonQuery();
            return;
        }

        var destination = new SqliteDatabase(destinationPath);
        using (var target = destination.Open())
        {
            // The snapshot is a scratch file until it is archived and fsync'd: no journal, no syncs while copying.
            using (var pragmas = target.CreateCommand())
            {
                pragmas.CommandText = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;";
                pragmas.ExecuteNonQuery();
            }

            connection.BackupDatabase(target);
            SqliteConnection.ClearPool(target);
        }
    }
}
