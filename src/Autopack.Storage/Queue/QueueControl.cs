using System.Data.Common;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Runs;

namespace Autopack.Storage.Queue;

/// <summary>
/// What operators change in the queue (CLI and API alike): dispatch on/off, the mode, the global executing_limit,
/// and putting a PAUSED run back in the queue. Each change is one IMMEDIATE transaction with its <c>events</c> row.
/// </summary>
public sealed class QueueControl(AutopackDatabase database, TimeProvider time)
{
    public async Task<QueueSettings> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadSettingsAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies <paramref name="change"/> (validated by the caller) and returns the settings now in force. <paramref name="by"/>
    /// says who asked (<c>cli</c>, <c>api</c>); it is recorded in <c>queue_settings.updated_by</c> and the event.
    /// </summary>
    public async Task<QueueSettings> UpdateAsync(QueueChange change, string by, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.ChangeLimit && change.ExecutingLimit is { } limit && QueueChange.LimitProblem(limit) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(change), limit, $"executing_limit: {problem}");
        }

        var now = DbTime.ToText(time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var sets = new List<string> { "updated_at = @now", "updated_by = @by" };
        var parameters = new List<(string, object?)> { ("@now", now), ("@by", by) };
        if (change.Dispatch is { } dispatch)
        {
            sets.Add("dispatch = @dispatch");
            parameters.Add(("@dispatch", dispatch ? 1 : 0));
        }

        if (change.Mode is { } mode)
        {
            sets.Add("mode = @mode");
            parameters.Add(("@mode", mode.ToName()));
        }

        if (change.ChangeLimit)
        {
            sets.Add("executing_limit = @limit");
            parameters.Add(("@limit", change.ExecutingLimit));
        }

        await QueueSql.ExecuteAsync(connection, transaction, $"UPDATE queue_settings SET {string.Join(", ", sets)} WHERE id = 1", cancellationToken, [.. parameters])
            .ConfigureAwait(false);
        await QueueSql.AppendEventAsync(connection, transaction, null, "queue_changed", $"{change.Describe()} (by {by})", now, cancellationToken).ConfigureAwait(false);
        var settings = await ReadSettingsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return settings;
    }

    /// <summary>
    /// An operator's resume for workers: a PAUSED run goes back to QUEUED, so the next free worker claims it. Stop
    /// requests still waiting for the run are superseded (marked handled), since the operator asked it to run again.
    /// </summary>
    /// <exception cref="NotFoundException">no such run.</exception>
    /// <exception cref="IllegalTransitionException">the run is not PAUSED.</exception>
    /// <returns>how many waiting stop requests were superseded.</returns>
    public async Task<int> RequeueAsync(string runId, string by, CancellationToken cancellationToken = default)
    {
        var now = DbTime.ToText(time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        // The move first (it refuses an unknown or not PAUSED run), then the stop requests it supersedes.
        await RequeuePausedAsync(connection, transaction, runId, $"requeued by operator ({by})", now, cancellationToken).ConfigureAwait(false);
        var superseded = await QueueSql.ExecuteAsync(
            connection,
            transaction,
            "UPDATE control_requests SET handled_at = @now, handled_by = @by, outcome = @outcome WHERE run_id = @r AND kind = 'stop' AND handled_at IS NULL",
            cancellationToken,
            ("@now", now),
            ("@by", by),
            ("@outcome", $"superseded: run requeued by {by}"),
            ("@r", runId)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return superseded;
    }

    /// <summary>The settings row, inside the caller's transaction when there is one.</summary>
    /// <summary>The one settings row; <paramref name="lockClause"/> (<c> FOR UPDATE</c> on PostgreSQL) locks it for the transaction.</summary>
    internal static async Task<QueueSettings> ReadSettingsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken, string lockClause = "")
    {
        await using var command = QueueSql.Command(
            connection, transaction, $"SELECT dispatch, mode, executing_limit, updated_at, updated_by FROM queue_settings WHERE id = 1{lockClause}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("queue_settings has no row 1; the run queue migration (202612041501) inserts it: run autopack db migrate");
        }

        var mode = QueueModes.TryParse(reader.GetString(1), out var parsed) ? parsed : QueueMode.Normal;
        return new QueueSettings(
            Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) != 0,
            mode,
            reader.IsDBNull(2) ? null : Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
            DbTime.FromText(reader.GetString(3)),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>
    /// PAUSED -> QUEUED inside the caller's transaction, by the domain's rule (<see cref="RunProgress.MoveTo"/>: the
    /// reason is kept until the run executes again), with its <c>run_status</c> event.
    /// </summary>
    /// <exception cref="IllegalTransitionException">the run is not PAUSED.</exception>
    internal static async Task RequeuePausedAsync(DbConnection connection, DbTransaction transaction, string runId, string reason, string now, CancellationToken cancellationToken)
    {
        RunProgress progress;
        await using (var read = QueueSql.Command(connection, transaction, "SELECT status, started_at, finished_at, failure_reason FROM runs WHERE run_id = @r", ("@r", runId)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new NotFoundException("run", runId);
            }

            progress = new RunProgress(
                StatusNames.ParseRun(reader.GetString(0)),
                reader.IsDBNull(1) ? null : DbTime.FromText(reader.GetString(1)),
                reader.IsDBNull(2) ? null : DbTime.FromText(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3));
        }

        var next = progress.MoveTo(runId, RunStatus.Queued, reason, DbTime.FromText(now));
        await QueueSql.ExecuteAsync(
            connection,
            transaction,
            "UPDATE runs SET status = @s, failure_reason = @f WHERE run_id = @r",
            cancellationToken,
            ("@s", next.Status.ToName()),
            ("@f", next.FailureReason),
            ("@r", runId)).ConfigureAwait(false);
        await QueueSql.AppendEventAsync(connection, transaction, runId, "run_status", RunProgress.Describe(progress.Status, next.Status, reason), now, cancellationToken)
            .ConfigureAwait(false);
    }
}
