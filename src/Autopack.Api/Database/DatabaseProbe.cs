using System.Data.Common;
using System.Globalization;
using Autopack.Storage.Database;
using Npgsql;

namespace Autopack.Api.Database;

/// <summary>
/// Looks at the database without changing it: never creates a SQLite file (opening a missing one would), never
/// migrates. Used by /health, /ready, /metrics and the gate in front of the data endpoints. What differs between
/// SQLite and PostgreSQL (a file that may be missing, the version table's catalogue, the write probe, the size) is
/// decided here, on <see cref="AutopackDatabase.Engine"/>, and nowhere else in the Api (ADR-039).
/// </summary>
public sealed class DatabaseProbe(AutopackDatabase database, TimeProvider time)
{
    /// <summary>How long /ready waits for the write lock before calling the database not writable.</summary>
    public const int WriteProbeBusyTimeoutMs = 2000;

    public string Identity => database.Identity;

    /// <summary>Where the database is: the SQLite file's full path, or <c>postgresql host:port/database</c>.</summary>
    public string Description => database is SqliteDatabase ? database.Location : database.ToString();

    /// <summary>False only for a SQLite file that does not exist; a PostgreSQL database's absence is <see cref="CheckAsync"/>'s to report.</summary>
    public bool Exists => database is not SqliteDatabase sqlite || File.Exists(sqlite.FullPath);

    /// <summary>How long a statement may wait for a lock: SQLite's busy timeout, or Npgsql's command timeout.</summary>
    public int BusyTimeoutMs => database is PostgresDatabase postgres
        ? new NpgsqlConnectionStringBuilder(postgres.ConnectionString).CommandTimeout * 1000
        : SqliteDatabase.BusyTimeoutMs;

    /// <summary>Opens a connection (from the pool), runs SELECT 1, and reads the schema version on it.</summary>
    public async Task<DatabaseStatus> CheckAsync(CancellationToken cancellationToken)
    {
        if (!Exists)
        {
            return new DatabaseStatus(false, 0, $"no database at {database.Location}: run 'autopack db migrate' (or set AUTOPACK_DB)", null);
        }

        var started = time.GetTimestamp();
        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            var latency = time.GetElapsedTime(started).TotalMilliseconds;
            var schema = new SchemaVersions(await CurrentVersionAsync(connection, cancellationToken).ConfigureAwait(false), DatabaseMigrator.LatestVersion);
            return new DatabaseStatus(true, Math.Round(latency, 2), null, schema);
        }
        catch (DbException ex)
        {
            return new DatabaseStatus(false, Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 2), $"database: {ex.Message}", null);
        }
    }

    /// <summary>
    /// Null when a write could begin now, else why not. SQLite: takes the write lock and gives it back (BEGIN IMMEDIATE;
    /// ROLLBACK). PostgreSQL, where writers lock rows, not the database: the server is a primary, not a standby in
    /// recovery, its transactions are not read-only, and this role may write the runs table.
    /// </summary>
    public async Task<string?> WriteProblemAsync(CancellationToken cancellationToken)
    {
        if (!Exists)
        {
            return $"no database at {database.Location}";
        }

        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            if (database is SqliteDatabase)
            {
                command.CommandText = $"PRAGMA busy_timeout={WriteProbeBusyTimeoutMs}; BEGIN IMMEDIATE; ROLLBACK;";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            command.CommandText = """
                SELECT CASE
                    WHEN pg_is_in_recovery() THEN 'the server is a standby in recovery'
                    WHEN current_setting('transaction_read_only') = 'on' THEN 'transactions are read-only (default_transaction_read_only)'
                    WHEN NOT has_table_privilege('runs', 'INSERT, UPDATE') THEN 'role ' || current_user || ' may not write the runs table'
                END
                """;
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string why ? $"database not writable: {why}" : null;
        }
        catch (DbException ex)
        {
            return $"database not writable: {ex.Message}";
        }
    }

    /// <summary>SQLite: the database file plus its WAL; PostgreSQL: <c>pg_database_size</c>. In MiB; 0 when it cannot be read.</summary>
    public async Task<double> SizeMbAsync(CancellationToken cancellationToken)
    {
        static long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
        long bytes;
        if (database is SqliteDatabase sqlite)
        {
            bytes = SizeOf(sqlite.FullPath) + SizeOf(sqlite.FullPath + "-wal");
        }
        else
        {
            try
            {
                await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT pg_database_size(current_database())";
                bytes = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }
            catch (DbException)
            {
                bytes = 0;
            }
        }

        return Math.Round(bytes / (1024.0 * 1024.0), 3);
    }

    /// <summary>Free space (GiB) on the file system that holds the SQLite file; null when it cannot be read, or the database is on a server.</summary>
    public double? DiskFreeGb()
    {
        if (database is not SqliteDatabase sqlite)
        {
            return null;
        }

        try
        {
            var folder = Path.GetDirectoryName(sqlite.FullPath) ?? sqlite.FullPath;
            return Math.Round(new DriveInfo(folder).AvailableFreeSpace / (1024.0 * 1024.0 * 1024.0), 2);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private async Task<long> CurrentVersionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = database is SqliteDatabase
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name"
            : "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name";
        command.AddParameter("@name", DatabaseMigrator.VersionTable);
        var tables = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (tables == 0)
        {
            return 0;
        }

        command.Parameters.Clear();
        command.CommandText = $"SELECT coalesce(max(\"Version\"), 0) FROM \"{DatabaseMigrator.VersionTable}\"";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }
}
