using System.Globalization;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Backup;

/// <summary>
/// What restore checks in the CURRENT installation before touching it: no executor holds a fresh lease, no worker
/// is alive (it would claim runs from the database being replaced), and an installation that has runs is replaced
/// only with --force. Reads only; the database file is left byte-identical.
/// </summary>
internal static class InstallationGuard
{
    public static async Task CheckAsync(SqliteDatabase current, RestoreOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!File.Exists(current.FullPath))
        {
            return;
        }

        bool hasLeases, hasRuns, hasWorkers;
        long runs = 0;
        try
        {
            await using var connection = await current.OpenAsync(cancellationToken).ConfigureAwait(false);
            hasLeases = TableExists(connection, "executor_leases");
            hasRuns = TableExists(connection, "runs");
            hasWorkers = TableExists(connection, "workers");
            if (hasRuns)
            {
                await using var count = connection.CreateCommand();
                count.CommandText = "SELECT count(*) FROM runs";
                runs = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }
        }
        catch (SqliteException ex)
        {
            // The runbook's corruption case: an unreadable database can hold no lease we could see, and replacing it
            // is exactly what --force is for.
            if (options.Force)
            {
                return;
            }

            throw new BackupRefusedException(
                $"the current database {current.FullPath} cannot be read ({ex.Message}); pass --force to replace it (it is kept beside the new one)", ex);
        }

        if (hasLeases)
        {
            var leases = new ExecutorLeases(current, time);
            if (await leases.AnyFreshAsync(options.LeaseStaleAfter, cancellationToken).ConfigureAwait(false))
            {
                var now = time.GetUtcNow().UtcDateTime;
                var fresh = (await leases.ListAsync(cancellationToken).ConfigureAwait(false))
                    .Where(l => now - l.HeartbeatAt < options.LeaseStaleAfter)
                    .Select(l => $"run {l.RunId} (pid {l.Pid} on {l.Host}, heartbeat {(now - l.HeartbeatAt).TotalSeconds:F0}s ago)");
                throw new BackupRefusedException(
                    $"an executor is running: {string.Join(", ", fresh)}; stop it ('autopack runs stop <run-id>') or wait until its lease is older than {options.LeaseStaleAfter.TotalSeconds:F0}s (AUTOPACK_LEASE_STALE_SECONDS)");
            }
        }

        if (hasWorkers)
        {
            await RefuseLiveWorkersAsync(current, options, time, cancellationToken).ConfigureAwait(false);
        }

        if (runs > 0 && !options.Force)
        {
            throw new BackupRefusedException(
                $"{current.FullPath} already holds {runs} run(s); pass --force to replace it (the current database is kept beside it as {Path.GetFileName(current.FullPath)}.replaced-<time>)");
        }
    }

    /// <summary>A worker with a fresh heartbeat would claim runs from the database being replaced: stop (or drain and stop) it first.</summary>
    private static async Task RefuseLiveWorkersAsync(SqliteDatabase current, RestoreOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = await new Queue.QueueReader(current, time).ReadAsync(options.LeaseStaleAfter, cancellationToken).ConfigureAwait(false);
        var live = status.Workers.Where(w => w.IsLive(status.CheckedAt, options.LeaseStaleAfter)).ToList();
        if (live.Count > 0)
        {
            var names = live.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.WorkerId} (pid {w.Pid} on {w.Host}, heartbeat {w.HeartbeatAge(status.CheckedAt).TotalSeconds:F0}s ago)"));
            throw new BackupRefusedException(
                $"a worker is running: {string.Join(", ", names)}; stop it with SIGTERM ('autopack drain --wait' first lets its runs finish) or wait until its heartbeat is older than {options.LeaseStaleAfter.TotalSeconds:F0}s (AUTOPACK_LEASE_STALE_SECONDS)");
        }
    }

    private static bool TableExists(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=$name";
        command.Parameters.AddWithValue("$name", table);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }
}
