using System.Data.Common;
using Autopack.Api.Alerts;
using Autopack.Api.Database;
using Autopack.Api.RateLimiting;
using Autopack.Domain.Runs;
using Autopack.Storage;
using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Prometheus;

namespace Autopack.Api.Monitoring;

/// <summary>
/// Sets the database-derived gauges when Prometheus scrapes, each from one query served by an index (counts by
/// status; tokens from the trigger-kept budget_totals, one row per run, so nothing is re-summed from usage rows). A database that cannot be read
/// shows as <c>autopack_database_up 0</c>, never as a failed scrape.
/// </summary>
public sealed class MetricsCollector(
    ApiMetrics metrics,
    AutopackDatabase database,
    DatabaseProbe probe,
    AlertEvaluator alerts,
    ServerErrorWindow serverErrors,
    ClientPartitions partitions,
    StorageSettings storage,
    QueueReader queue,
    TimeProvider time,
    ILogger<MetricsCollector> logger)
{
    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        metrics.ServerErrorsRecent.Set(serverErrors.CountRecent());
        metrics.RateLimiterTrackedClients.Set(partitions.TrackedClients);
        metrics.DatabaseSizeBytes.Set(await probe.SizeMbAsync(cancellationToken).ConfigureAwait(false) * 1024 * 1024);
        var status = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        var migrated = status.Migrated;
        if (migrated)
        {
            try
            {
                await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                Set(metrics.Runs, await StatusCounts.RunsAsync(connection, cancellationToken).ConfigureAwait(false));
                Set(metrics.Phases, await StatusCounts.PhasesAsync(connection, cancellationToken).ConfigureAwait(false));
                await CollectTokensAsync(connection, cancellationToken).ConfigureAwait(false);
                await CollectBreakersAsync(connection, cancellationToken).ConfigureAwait(false);
                await CollectQueueAndExecutorsAsync(connection, cancellationToken).ConfigureAwait(false);
                await CollectRunQueueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex)
            {
                logger.LogWarning("metrics: database read failed: {Error}", ex.Message);
                migrated = false;
            }
        }

        metrics.DatabaseUp.Set(migrated ? 1 : 0);
        IReadOnlyList<Alert> active;
        try
        {
            active = await alerts.EvaluateAsync(migrated, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            logger.LogWarning("metrics: alert queries failed: {Error}", ex.Message);
            active = await alerts.EvaluateAsync(databaseMigrated: false, cancellationToken).ConfigureAwait(false);
        }

        foreach (var kind in AlertKinds.All)
        {
            metrics.Alerts.WithLabels(kind).Set(active.Count(a => a.Kind == kind));
        }

        metrics.AlertsActive.Set(active.Count);
    }

    private static void Set(Gauge gauge, IReadOnlyDictionary<string, long> counts)
    {
        foreach (var (status, count) in counts)
        {
            gauge.WithLabels(status).Set(count);
        }
    }

    private async Task CollectTokensAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(sum(used_tokens), 0) FROM budget_totals WHERE scope = 'run'";
        metrics.TokensUsed.Set(Convert.ToDouble(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture));

        command.CommandText = $"""
            SELECT r.run_id, r.token_cap, coalesce(t.used_tokens, 0)
            FROM runs r LEFT JOIN budget_totals t ON t.scope = 'run' AND t.id = r.run_id
            WHERE r.status IN {StatusCounts.ActiveRunStatuses}
            """;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var runId = reader.GetString(0);
                seen.Add(runId);
                metrics.RunTokenCap.WithLabels(runId).Set(reader.GetLong(1));
                metrics.RunTokensUsed.WithLabels(runId).Set(reader.GetLong(2));
            }
        }

        RemoveAbsent(metrics.RunTokensUsed, labels => seen.Contains(labels[0]));
        RemoveAbsent(metrics.RunTokenCap, labels => seen.Contains(labels[0]));
    }

    private async Task CollectBreakersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, state FROM circuit_breakers";
        var current = new HashSet<(string, string)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1).ToLowerInvariant());
                current.Add(key);
                metrics.BreakerState.WithLabels(key.Item1, key.Item2).Set(1);
            }
        }

        RemoveAbsent(metrics.BreakerState, labels => current.Contains((labels[0], labels[1])));
    }

    private async Task CollectQueueAndExecutorsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT min(created_at) FROM phases WHERE status = 'QUEUED'";
        var oldest = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        metrics.OldestQueuedPhaseAge.Set(oldest is string text ? Math.Max(0, (now.UtcDateTime - DbTime.FromText(text)).TotalSeconds) : 0);

        command.CommandText = "SELECT count(*), coalesce(sum(CASE WHEN heartbeat_at < @threshold THEN 1 ELSE 0 END), 0) FROM executor_leases";
        command.AddParameter("@threshold", DbTime.ToText(now - TimeSpan.FromSeconds(storage.LeaseStaleSeconds)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var total = reader.GetLong(0);
            var stale = reader.GetLong(1);
            metrics.Executors.WithLabels("fresh").Set(total - stale);
            metrics.Executors.WithLabels("stale").Set(stale);
        }
    }

    /// <summary>The run queue the workers share, as GET /queue reads it.</summary>
    private async Task CollectRunQueueAsync(CancellationToken cancellationToken)
    {
        var status = await queue.ReadAsync(TimeSpan.FromSeconds(storage.LeaseStaleSeconds), cancellationToken).ConfigureAwait(false);
        metrics.QueueDepth.Set(status.Waiting);
        metrics.QueueOldestAge.Set(status.OldestQueuedAge?.TotalSeconds ?? 0);
        metrics.QueueExecuting.Set(status.Executing);
        metrics.QueueDispatch.Set(status.Settings.AcceptsClaims ? 1 : 0);
        metrics.QueueDraining.Set(status.Settings.Mode == QueueMode.Draining ? 1 : 0);
        var stale = status.StaleWorkers.Count;
        metrics.Workers.WithLabels("fresh").Set(status.Workers.Count - stale);
        metrics.Workers.WithLabels("stale").Set(stale);
    }

    private static void RemoveAbsent(Gauge gauge, Func<string[], bool> present)
    {
        foreach (var labels in gauge.GetAllLabelValues().ToList())
        {
            if (!present(labels))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }
}
