using System.Globalization;
using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Api.Database;

/// <summary>
/// Looks at the database without changing it: never creates the file (opening a missing one would), never
/// migrates. Used by /health, /ready, /metrics and the gate in front of the data endpoints.
/// </summary>
public sealed class DatabaseProbe(SqliteDatabase database, TimeProvider time)
{
    /// <summary>How long /ready waits for the write lock before calling the database not writable.</summary>
    public const int WriteProbeBusyTimeoutMs = 2000;

    public string Identity => database.Identity;

    public string FullPath => database.FullPath;

    public bool FileExists => File.Exists(database.FullPath);

    /// <summary>Opens a connection (from the pool), runs SELECT 1, and reads the schema version on it.</summary>
    public async Task<DatabaseStatus> CheckAsync(CancellationToken cancellationToken)
    {
        if (!FileExists)
        {
            return new DatabaseStatus(false, 0, $"no database at {database.FullPath}: run 'autopack db migrate' (or set AUTOPACK_DB)", null);
        }

        var started = time.GetTimestamp();
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            var latency = time.GetElapsedTime(started).TotalMilliseconds;
            var schema = new SchemaVersions(await CurrentVersionAsync(connection, cancellationToken).ConfigureAwait(false), DatabaseMigrator.LatestVersion);
            return new DatabaseStatus(true, Math.Round(latency, 2), null, schema);
        }
        catch (SqliteException ex)
        {
            return new DatabaseStatus(false, Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 2), $"database: {ex.Message}", null);
        }
    }

    /// <summary>Takes the write lock and gives it back (BEGIN IMMEDIATE; ROLLBACK); null when that works, else why not.</summary>
    public async Task<string?> WriteProblemAsync(CancellationToken cancellationToken)
    {
        if (!FileExists)
        {
            return $"no database at {database.FullPath}";
        }

        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout={WriteProbeBusyTimeoutMs}; BEGIN IMMEDIATE; ROLLBACK;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SqliteException ex)
        {
            return $"database not writable: {ex.Message}";
        }
    }

    /// <summary>The database file plus its WAL, in MiB.</summary>
    public double SizeMb()
    {
        static long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
        return Math.Round((SizeOf(database.FullPath) + SizeOf(database.FullPath + "-wal")) / (1024.0 * 1024.0), 3);
    }

    /// <summary>Free space (GiB) on the file system that holds the database; null when it cannot be read.</summary>
    public double? DiskFreeGb()
    {
        try
        {
            var folder = Path.GetDirectoryName(database.FullPath) ?? database.FullPath;
            return Math.Round(new DriveInfo(folder).AvailableFreeSpace / (1024.0 * 1024.0 * 1024.0), 2);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static async Task<long> CurrentVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", DatabaseMigrator.VersionTable);
        var tables = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (tables == 0)
        {
            return 0;
        }

        command.Parameters.Clear();
        command.CommandText = $"SELECT coalesce(max(Version), 0) FROM \"{DatabaseMigrator.VersionTable}\"";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }
}
