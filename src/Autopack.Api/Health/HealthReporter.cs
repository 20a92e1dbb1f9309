using Autopack.Api.Alerts;
using Autopack.Api.Database;
using Autopack.Api.Hosting;
using Autopack.Api.RateLimiting;
using Autopack.Domain.Settings;
using Autopack.Storage.Breakers;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Microsoft.Data.Sqlite;

namespace Autopack.Api.Health;

/// <summary>Puts together GET /health from the database probe, the shared tables the executors publish, and the alerts.</summary>
public sealed class HealthReporter(
    DatabaseProbe probe,
    AlertEvaluator alerts,
    BreakerStates breakers,
    ExecutorLeases leases,
    ClientPartitions partitions,
    ServerUptime uptime,
    AutopackSettings settings,
    TimeProvider time)
{
    /// <summary>Less free disk than this makes the server degraded: SQLite and the logs need room.</summary>
    public const double LowDiskGb = 1.0;

    public async Task<HealthReport> ReportAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var database = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        var breakerStates = new Dictionary<string, BreakerHealth>(StringComparer.Ordinal);
        var executors = new List<ExecutorHealth>();
        IReadOnlyList<Alert> active = [];
        string? readError = null;
        if (database.Migrated)
        {
            try
            {
                foreach (var row in await breakers.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    breakerStates[row.Name] = new BreakerHealth(row.State, row.FailureCount, row.OpenedAt, row.UpdatedAt, row.ReportedBy, row.ResetPending);
                }

                foreach (var lease in await leases.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    var age = (now - lease.HeartbeatAt).TotalSeconds;
                    executors.Add(new ExecutorHealth(lease.RunId, lease.Pid, lease.Host, Math.Round(age, 1), age >= settings.LeaseStaleSeconds));
                }

                active = await alerts.EvaluateAsync(database.Migrated, cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex)
            {
                readError = $"database: {ex.Message}";
            }
        }
        else
        {
            active = await alerts.EvaluateAsync(databaseMigrated: false, cancellationToken).ConfigureAwait(false);
        }

        var diskFree = probe.DiskFreeGb();
        var (status, reason) = (database.Problem ?? readError, active.Count, diskFree) switch
        {
            ({ } problem, _, _) => (HealthReport.Unhealthy, problem),
            (null, > 0, _) => (HealthReport.Degraded, $"{active.Count} active alert(s)"),
            (null, _, < LowDiskGb) => (HealthReport.Degraded, $"less than {LowDiskGb} GB free on the database's disk"),
            _ => (HealthReport.Ok, (string?)null),
        };

        var schema = database.Schema ?? new SchemaVersions(0, DatabaseMigrator.LatestVersion);
        return new HealthReport(
            status,
            reason,
            settings.BindAddress,
            settings.Port,
            probe.Identity,
            breakerStates,
            new DbPoolHealth(database.Reachable && readError is null, database.LatencyMs, Pooling: true, SqliteDatabase.BusyTimeoutMs, database.Error ?? readError),
            probe.SizeMb(),
            diskFree,
            (long)uptime.Elapsed.TotalSeconds,
            new SchemaVersionView(schema.Current, schema.Latest, schema.UpToDate),
            executors,
            new RateLimiterHealth(partitions.TrackedClients, partitions.MaxClients, settings.RateLimitPerMinute, partitions.OverflowRequests),
            active,
            now);
    }
}
