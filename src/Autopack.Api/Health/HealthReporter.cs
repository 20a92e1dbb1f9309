using System.Data.Common;
using Autopack.Api.Alerts;
using Autopack.Api.Database;
using Autopack.Api.Hosting;
using Autopack.Api.RateLimiting;
using Autopack.Storage;
using Autopack.Storage.Breakers;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;

namespace Autopack.Api.Health;

/// <summary>
/// Puts together GET /health from the database probe, the shared tables the executors publish, and the alerts.
/// The database part (<see cref="HealthChecks"/>) is kept for <see cref="CacheFor"/> on the server's clock and
/// concurrent probes share one check, so however many dashboards and probes poll, the database is checked at most
/// once a second (ADR-026). What lives in memory (HTTP 500 alert, rate limiter, uptime) is read on every request.
/// </summary>
public sealed class HealthReporter(
    DatabaseProbe probe,
    AlertEvaluator alerts,
    BreakerStates breakers,
    ExecutorLeases leases,
    ClientPartitions partitions,
    ServerUptime uptime,
    ApiSettings settings,
    StorageSettings storage,
    TimeProvider time)
{
    /// <summary>Less free disk than this makes the server degraded: SQLite and the logs need room (a PostgreSQL server's disk is its own to watch).</summary>
    public const double LowDiskGb = 1.0;

    /// <summary>How long the database checks are reused before the next probe checks anew.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly Lock gate = new();
    private (HealthChecks Checks, long At)? last;
    private Task<HealthChecks>? checking;

    public async Task<HealthReport> ReportAsync(CancellationToken cancellationToken)
    {
        var checks = await ChecksAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var active = alerts.ServerErrorAlerts().Concat(checks.DatabaseAlerts).ToList();
        var database = checks.Database;
        var (status, reason) = (database.Problem ?? checks.ReadError, active.Count, checks.DiskFreeGb) switch
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
            checks.Breakers,
            new DbPoolHealth(database.Reachable && checks.ReadError is null, database.LatencyMs, Pooling: true, probe.BusyTimeoutMs, database.Error ?? checks.ReadError),
            checks.SizeMb,
            checks.DiskFreeGb,
            (long)uptime.Elapsed.TotalSeconds,
            new SchemaVersionView(schema.Current, schema.Latest, schema.UpToDate),
            checks.Executors,
            new RateLimiterHealth(partitions.TrackedClients, partitions.MaxClients, settings.RateLimitPerMinute, partitions.OverflowRequests),
            active,
            now);
    }

    /// <summary>The last checks while younger than <see cref="CacheFor"/>, else new ones (one check at a time).</summary>
    private async Task<HealthChecks> ChecksAsync(CancellationToken cancellationToken)
    {
        Task<HealthChecks> shared;
        TaskCompletionSource<HealthChecks>? mine = null;
        lock (gate)
        {
            if (last is { } kept && time.GetElapsedTime(kept.At) < CacheFor)
            {
                return kept.Checks;
            }

            if (checking is null)
            {
                mine = new TaskCompletionSource<HealthChecks>(TaskCreationOptions.RunContinuationsAsynchronously);
                checking = mine.Task;
            }

            shared = checking;
        }

        if (mine is not null)
        {
            try
            {
                // Shared by every waiting probe, so no single caller's cancellation ends it.
                var checks = await CheckAsync(CancellationToken.None).ConfigureAwait(false);
                lock (gate)
                {
                    last = (checks, time.GetTimestamp());
                    checking = null;
                }

                mine.SetResult(checks);
            }
            catch (Exception ex)
            {
                lock (gate)
                {
                    checking = null;
                }

                mine.SetException(ex);
            }
        }

        return await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<HealthChecks> CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var database = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        var breakerStates = new Dictionary<string, BreakerHealth>(StringComparer.Ordinal);
        var executors = new List<ExecutorHealth>();
        IReadOnlyList<Alert> databaseAlerts = [];
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
                    executors.Add(new ExecutorHealth(lease.RunId, lease.Pid, lease.Host, Math.Round(age, 1), age >= storage.LeaseStaleSeconds));
                }

                databaseAlerts = await alerts.DatabaseAlertsAsync(database.Migrated, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex)
            {
                readError = $"database: {ex.Message}";
            }
        }

        return new HealthChecks(database, breakerStates, executors, databaseAlerts, readError, await probe.SizeMbAsync(cancellationToken).ConfigureAwait(false), probe.DiskFreeGb());
    }
}
