using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Backup;

/// <summary>
/// Replaces the live database file with a restored one. The current database is checkpointed (its WAL folded into
/// the file and truncated) and copied beside itself as <c>&lt;name&gt;.replaced-YYYYMMDD-HHMMSS</c>; then the
/// restored file, fully written and integrity-checked in the same folder, is renamed over it, so the path always
/// names a complete database.
/// </summary>
internal static class DatabaseSwap
{
    /// <summary>Keeps a copy of the current database; returns its path, or null when there is no current database.</summary>
    public static string? KeepCurrent(SqliteDatabase current, TimeProvider time)
    {
        if (!File.Exists(current.FullPath))
        {
            return null;
        }

        var kept = Unused($"{current.FullPath}.replaced-{time.GetLocalNow():yyyyMMdd-HHmmss}");
        var checkpointed = Checkpoint(current);
        File.Copy(current.FullPath, kept);
        var wal = current.FullPath + "-wal";
        if (!checkpointed && File.Exists(wal) && new FileInfo(wal).Length > 0)
        {
            // A database SQLite cannot checkpoint (corrupt) keeps its WAL beside the copy, so nothing is lost.
            File.Copy(wal, kept + "-wal");
            File.Delete(wal);
        }

        return kept;
    }

    /// <summary>Renames <paramref name="restored"/> over the current database, dropping the old WAL index files.</summary>
    public static void Replace(SqliteDatabase current, string restored)
    {
        var wal = current.FullPath + "-wal";
        if (File.Exists(wal) && new FileInfo(wal).Length > 0)
        {
            throw new BackupRefusedException(
                $"another process wrote to {current.FullPath} during the restore; stop 'autopack serve' and executors, then restore again");
        }

        if (File.Exists(restored + "-wal") && new FileInfo(restored + "-wal").Length > 0)
        {
            throw new IOException($"the restored database still has a WAL ({restored}-wal); not swapping it in");
        }

        // Old sidecars belong to the old file: an empty WAL and its index. Stale ones must not meet the new file.
        File.Delete(wal);
        File.Delete(current.FullPath + "-shm");
        File.Move(restored, current.FullPath, overwrite: true);
        Release(current);
    }

    /// <summary>Closes this process's pooled connections to <paramref name="database"/>, so no handle keeps an old file open.</summary>
    public static void Release(SqliteDatabase database) =>
        SqliteConnection.ClearPool(new SqliteConnection(database.ConnectionString));

    /// <summary>PRAGMA wal_checkpoint(TRUNCATE); false when SQLite cannot read the file at all.</summary>
    private static bool Checkpoint(SqliteDatabase current)
    {
        try
        {
            using (var connection = current.Open())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                using var reader = command.ExecuteReader();
                if (reader.Read() && reader.GetInt64(0) != 0)
                {
                    throw new BackupRefusedException(
                        $"{current.FullPath} is busy (another process holds it open and writing); stop 'autopack serve' and executors, then restore again");
                }
            }

            Release(current);
            return true;
        }
        catch (SqliteException)
        {
            Release(current);
            return false;
        }
    }

    private static string Unused(string path)
    {
        var candidate = path;
        for (var i = 1; File.Exists(candidate); i++)
        {
            candidate = $"{path}-{i}";
        }

        return candidate;
    }
}
