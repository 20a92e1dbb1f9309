using System.Data.Common;
using System.Globalization;
using Autopack.Api.Database;
using Autopack.Domain.Budgets;
using Autopack.Storage;
using Autopack.Storage.Database;

namespace Autopack.Api.Alerts;

/// <summary>
/// Works out the SPEC's alerts: token usage at 80% of a run or phase cap (active runs only), more than five
/// HTTP 500s in ten minutes, an open breaker, an executor whose heartbeat is stale. Every database part is one
/// query over indexes; tokens used come from the trigger-kept budget_totals (a primary-key lookup per active run
/// and phase), never from summing usage rows.
/// </summary>
public sealed class AlertEvaluator(AutopackDatabase database, DatabaseProbe probe, ServerErrorWindow serverErrors, StorageSettings storage, TimeProvider time)
{
    /// <summary>At most this many alerts of one kind are listed (the metrics count them all).</summary>
    public const int MaxListed = 100;

    public async Task<IReadOnlyList<Alert>> EvaluateAsync(bool databaseMigrated, CancellationToken cancellationToken)
    {
        var alerts = new List<Alert>(ServerErrorAlerts());
        alerts.AddRange(await DatabaseAlertsAsync(databaseMigrated, cancellationToken).ConfigureAwait(false));
        return alerts;
    }

    /// <summary>The alert kept in memory (HTTP 500s in the last ten minutes): costs nothing to evaluate.</summary>
    public IReadOnlyList<Alert> ServerErrorAlerts()
    {
        var errors = serverErrors.CountRecent();
        return errors > ServerErrorWindow.AlertThreshold
            ?
            [
                new Alert(
                    AlertKinds.HttpServerErrors,
                    AlertKinds.Critical,
                    "api",
                    $"{errors} HTTP 500 answers in the last {ServerErrorWindow.Span.TotalMinutes:F0} minutes (more than {ServerErrorWindow.AlertThreshold}): check the API log"),
            ]
            : [];
    }

    /// <summary>The alerts read from the database: token usage, open breakers, stale executors.</summary>
    public async Task<IReadOnlyList<Alert>> DatabaseAlertsAsync(bool databaseMigrated, CancellationToken cancellationToken)
    {
        var alerts = new List<Alert>();
        if (!databaseMigrated || !probe.Exists)
        {
            return alerts;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await AddUsageAlertsAsync(connection, alerts, cancellationToken).ConfigureAwait(false);
        await AddBreakerAlertsAsync(connection, alerts, cancellationToken).ConfigureAwait(false);
        await AddExecutorAlertsAsync(connection, alerts, cancellationToken).ConfigureAwait(false);
        return alerts;
    }

    private static async Task AddUsageAlertsAsync(DbConnection connection, List<Alert> alerts, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT 'run', run_id, run_id, used, token_cap FROM (
                SELECT r.run_id, r.token_cap, coalesce(t.used_tokens, 0) AS used
                FROM runs r LEFT JOIN budget_totals t ON t.scope = 'run' AND t.id = r.run_id
                WHERE r.status IN {StatusCounts.ActiveRunStatuses}) AS active_runs
            WHERE used * 100 >= token_cap * {TokenBudget.WarningPercent}
            UNION ALL
            SELECT 'phase', phase_id, run_id, used, token_cap FROM (
                SELECT p.phase_id, p.run_id, p.token_cap, coalesce(t.used_tokens, 0) AS used
                FROM runs r JOIN phases p ON p.run_id = r.run_id
                LEFT JOIN budget_totals t ON t.scope = 'phase' AND t.id = p.phase_id
                WHERE r.status IN {StatusCounts.ActiveRunStatuses}) AS active_phases
            WHERE used * 100 >= token_cap * {TokenBudget.WarningPercent}
            LIMIT {MaxListed}
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var scope = reader.GetString(0);
            var id = reader.GetString(1);
            var used = reader.GetLong(3);
            var cap = reader.GetLong(4);
            var percent = cap == 0 ? 100 : used * 100.0 / cap;
            var runNote = scope == "phase" ? $" of run {reader.GetString(2)}" : string.Empty;
            alerts.Add(new Alert(
                AlertKinds.TokenUsage,
                percent >= 100 ? AlertKinds.Critical : AlertKinds.Warning,
                id,
                string.Create(CultureInfo.InvariantCulture, $"{scope} {id}{runNote} has used {used} of {cap} tokens ({percent:F1}% of its cap)")));
        }
    }

    private static async Task AddBreakerAlertsAsync(DbConnection connection, List<Alert> alerts, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT name, state, coalesce(opened_at, updated_at) FROM circuit_breakers
            WHERE lower(state) IN ('open', 'isolated') ORDER BY name LIMIT {MaxListed}
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            alerts.Add(new Alert(
                AlertKinds.BreakerOpen,
                AlertKinds.Warning,
                name,
                $"circuit breaker {name} is {reader.GetString(1)} since {reader.GetString(2)}: check the provider's health (reset with POST /circuit-breakers/reset)"));
        }
    }

    private async Task AddExecutorAlertsAsync(DbConnection connection, List<Alert> alerts, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT run_id, pid, host, heartbeat_at FROM executor_leases
            WHERE heartbeat_at < @threshold ORDER BY heartbeat_at LIMIT {MaxListed}
            """;
        command.AddParameter("@threshold", DbTime.ToText(now - TimeSpan.FromSeconds(storage.LeaseStaleSeconds)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var runId = reader.GetString(0);
            var age = (now.UtcDateTime - DbTime.FromText(reader.GetString(3))).TotalSeconds;
            alerts.Add(new Alert(
                AlertKinds.ExecutorStale,
                AlertKinds.Critical,
                runId,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"executor of run {runId} (pid {reader.GetLong(1)} on {reader.GetString(2)}) has not sent a heartbeat for {age:F0}s (stale after {storage.LeaseStaleSeconds}s): it may be dead; 'autopack db cleanup' releases its lease")));
        }
    }
}
