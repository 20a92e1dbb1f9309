using System.Data.Common;
using System.Globalization;
using Autopack.Storage.Database;

namespace Autopack.Storage.Queue;

/// <summary>
/// Claims of runs by workers (<c>run_claims</c>), ADR-031. A claim is one IMMEDIATE transaction: the queue settings
/// (dispatch, mode), the worker's own state, the global <c>executing_limit</c> and the oldest claimable run are all
/// read under SQLite's write lock, so workers racing on many hosts can neither pass the limit nor claim one run twice.
/// A claim is live while its worker's heartbeat is fresh; a claim of a dead worker, and an EXECUTING run whose
/// executor's lease went stale, are taken over by the next claim (the executor lease, ADR-007, still fences the old
/// executor should it wake up).
/// </summary>
/// <remarks>
/// On PostgreSQL (the same statements otherwise, ADR-039): when an executing_limit is set, the settings row is read
/// again <c>FOR UPDATE</c>, the one row every claimer must pass, which makes the count-then-claim atomic as SQLite's
/// IMMEDIATE transaction does; <see cref="CandidateSql"/> gets <c>FOR UPDATE OF r SKIP LOCKED</c>, so claimers skip
/// each other's runs instead of waiting; a claimer that locks a run another one claimed and committed a moment before
/// sees that claim on a fresh look and lets the run go. The unique index <c>ux_run_claims_open</c> (one open claim
/// per run) is the last guard on both databases: a claim it refuses is a lost race, not an error.
/// </remarks>
public sealed class RunClaims(AutopackDatabase database, TimeProvider time)
{
    /// <summary>
    /// The oldest claimable run: QUEUED, or EXECUTING with no live holder (its executor's lease stale or gone, its
    /// worker's claim not live), and not backing off after a failed executor. Parameters: <c>@fresh</c>, <c>@now</c>.
    /// PostgreSQL: append <c>FOR UPDATE OF r SKIP LOCKED</c>.
    /// </summary>
    public const string CandidateSql = """
        SELECT r.run_id, r.status FROM runs r
        WHERE r.status IN ('QUEUED', 'EXECUTING')
          AND NOT EXISTS (SELECT 1 FROM executor_leases l WHERE l.run_id = r.run_id AND l.heartbeat_at > @fresh)
          AND NOT EXISTS (
            SELECT 1 FROM run_claims c LEFT JOIN workers w ON w.worker_id = c.worker_id
            WHERE c.run_id = r.run_id
              AND ((c.released_at IS NULL AND w.heartbeat_at > @fresh) OR c.retry_after > @now))
        ORDER BY r.created_at, r.run_id
        LIMIT 1
        """;

    /// <summary>The longest a run whose executor keeps failing waits between claims.</summary>
    public static readonly TimeSpan MaxRetryBackoff = TimeSpan.FromHours(1);

    /// <summary>
    /// Claims the oldest claimable run for <paramref name="worker"/>, or says why none. A heartbeat older than
    /// <paramref name="staleAfter"/> (AUTOPACK_LEASE_STALE_SECONDS) is a dead worker or executor.
    /// </summary>
    public async Task<ClaimAttempt> TryClaimAsync(WorkerRegistration worker, TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var now = time.GetUtcNow().UtcDateTime;
        var nowText = DbTime.ToText(now);
        var fresh = DbTime.ToText(now - staleAfter);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // BEGIN IMMEDIATE: the write lock is taken before the first read, so everything below sees one state.
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var settings = await QueueControl.ReadSettingsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (settings.ExecutingLimit is not null && database.ForUpdate.Length > 0)
        {
            settings = await QueueControl.ReadSettingsAsync(connection, transaction, cancellationToken, database.ForUpdate).ConfigureAwait(false);
        }

        if (settings.ClaimRefusal is { } refusal)
        {
            return ClaimAttempt.None(refusal);
        }

        var state = await QueueSql.TextAsync(connection, transaction, "SELECT state FROM workers WHERE worker_id = @w", cancellationToken, ("@w", worker.WorkerId))
            .ConfigureAwait(false);
        if (state != WorkerStates.Running)
        {
            return ClaimAttempt.None(state is null ? $"worker {worker.WorkerId} is not registered" : $"worker {worker.WorkerId} is {state}");
        }

        if (settings.ExecutingLimit is { } limit)
        {
            var executing = await QueueSql.LongAsync(connection, transaction, $"SELECT count(*) FROM ({QueueSql.OccupiedRuns}) AS occupied", cancellationToken, ("@fresh", fresh))
                .ConfigureAwait(false);
            if (executing >= limit)
            {
                return ClaimAttempt.None(string.Create(CultureInfo.InvariantCulture, $"executing_limit {limit} reached ({executing} executing)"));
            }
        }

        string runId;
        string status;
        var skipLocked = database.ForUpdate.Length > 0 ? " FOR UPDATE OF r SKIP LOCKED" : string.Empty;
        await using (var candidate = QueueSql.Command(connection, transaction, CandidateSql + skipLocked, ("@fresh", fresh), ("@now", nowText)))
        await using (var reader = await candidate.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return ClaimAttempt.None("no run waiting");
            }

            (runId, status) = (reader.GetString(0), reader.GetString(1));
        }

        if (skipLocked.Length > 0 && await QueueSql.LongAsync(
                connection,
                transaction,
                "SELECT count(*) FROM run_claims c JOIN workers w ON w.worker_id = c.worker_id WHERE c.run_id = @r AND c.released_at IS NULL AND w.heartbeat_at > @fresh",
                cancellationToken,
                ("@r", runId),
                ("@fresh", fresh)).ConfigureAwait(false) > 0)
        {
            return ClaimAttempt.None($"run {runId} was claimed by another worker a moment ago");
        }

        var takenOverFrom = await ReleaseDeadClaimsAsync(connection, transaction, runId, worker, now, cancellationToken).ConfigureAwait(false);
        var staleLease = status == "EXECUTING" ? await DescribeLeaseAsync(connection, transaction, runId, now, cancellationToken).ConfigureAwait(false) : null;
        long id;
        try
        {
            id = await QueueSql.LongAsync(
                connection,
                transaction,
                "INSERT INTO run_claims (run_id, worker_id, claimed_at, claimed_status) VALUES (@r, @w, @now, @s) RETURNING id",
                cancellationToken,
                ("@r", runId),
                ("@w", worker.WorkerId),
                ("@now", nowText),
                ("@s", status)).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException ex) when (database.IsUniqueViolation(ex))
        {
            // ux_run_claims_open: another worker's claim of this run committed first.
            return ClaimAttempt.None($"run {runId} was claimed by another worker a moment ago");
        }

        var message = $"claimed from {status} by worker {worker.WorkerId} (pid {worker.Pid} on {worker.Host})"
            + (takenOverFrom is null ? string.Empty : $"; taken over from worker {takenOverFrom}")
            + (staleLease is null ? string.Empty : $"; {staleLease}");
        await QueueSql.AppendEventAsync(connection, transaction, runId, takenOverFrom is null && status == "QUEUED" ? "run_claimed" : "run_claim_taken_over", message, nowText, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ClaimAttempt(new RunClaim(id, runId, worker.WorkerId, status, now, takenOverFrom), "claimed");
    }

    /// <summary>Records the pid of the executor a claim started (shown to operators; the lease has it too once taken).</summary>
    public async Task SetExecutorPidAsync(long claimId, int pid, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await QueueSql.ExecuteAsync(connection, null, "UPDATE run_claims SET executor_pid = @p WHERE id = @id", cancellationToken, ("@p", pid), ("@id", claimId))
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Releases a claim once its executor exited. When the worker itself stopped the executor (SIGTERM on its own
    /// shutdown, <paramref name="workerStopping"/>) and the run ended PAUSED with no operator's stop requested since the
    /// claim, the run goes back to QUEUED for the next worker (ADR-032); an operator's stop keeps it PAUSED. An
    /// executor that failed while the run still waits (exit code not 0, run QUEUED or EXECUTING) makes the run back off
    /// before its next claim, doubling from <paramref name="staleAfter"/> up to <see cref="MaxRetryBackoff"/>.
    /// A claim already released (taken over while this worker was frozen) is left as the new holder wrote it.
    /// </summary>
    public async Task<ClaimRelease> ReleaseAsync(RunClaim claim, int exitCode, bool workerStopping, TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var now = time.GetUtcNow().UtcDateTime;
        var nowText = DbTime.ToText(now);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var status = await QueueSql.TextAsync(connection, transaction, "SELECT status FROM runs WHERE run_id = @r", cancellationToken, ("@r", claim.RunId)).ConfigureAwait(false);
        var open = await QueueSql.LongAsync(connection, transaction, "SELECT count(*) FROM run_claims WHERE id = @id AND released_at IS NULL", cancellationToken, ("@id", claim.Id))
            .ConfigureAwait(false);
        if (open == 0)
        {
            return new ClaimRelease(status, false, true, "taken over by another worker", null);
        }

        var requeued = false;
        string? keptPaused = null;
        if (workerStopping && status == "PAUSED")
        {
            var stops = await QueueSql.LongAsync(
                connection,
                transaction,
                "SELECT count(*) FROM control_requests WHERE run_id = @r AND kind = 'stop' AND requested_at >= @since",
                cancellationToken,
                ("@r", claim.RunId),
                ("@since", DbTime.ToText(claim.ClaimedAt))).ConfigureAwait(false);
            var held = await QueueSql.LongAsync(
                connection,
                transaction,
                "SELECT count(*) FROM executor_leases WHERE run_id = @r AND heartbeat_at > @fresh",
                cancellationToken,
                ("@r", claim.RunId),
                ("@fresh", DbTime.ToText(now - staleAfter))).ConfigureAwait(false);
            if (stops == 0 && held == 0)
            {
                await QueueControl.RequeuePausedAsync(
                    connection, transaction, claim.RunId, $"requeued: worker {claim.WorkerId} stopped (SIGTERM) while the run executed; the next worker resumes it", nowText, cancellationToken)
                    .ConfigureAwait(false);
                (status, requeued) = ("QUEUED", true);
            }
            else
            {
                keptPaused = stops > 0 ? "kept PAUSED: an operator asked to stop it" : "kept PAUSED: another executor holds it";
            }
        }

        DateTime? retryAfter = null;
        if (!workerStopping && exitCode != 0 && status is "QUEUED" or "EXECUTING")
        {
            var failures = await QueueSql.LongAsync(
                connection, transaction, "SELECT count(*) FROM run_claims WHERE run_id = @r AND retry_after IS NOT NULL", cancellationToken, ("@r", claim.RunId))
                .ConfigureAwait(false);
            var backoff = staleAfter * Math.Pow(2, Math.Min(failures, 12));
            retryAfter = now + (backoff < MaxRetryBackoff ? backoff : MaxRetryBackoff);
        }

        var outcome = string.Create(CultureInfo.InvariantCulture, $"exit {exitCode}: run {(requeued ? "PAUSED -> QUEUED (the worker stopped it)" : status ?? "missing")}")
            + (keptPaused is null ? string.Empty : $" ({keptPaused})")
            + (retryAfter is { } after ? $"; executor failed, not claimed again before {DbTime.ToText(after)}" : string.Empty);
        await QueueSql.ExecuteAsync(
            connection,
            transaction,
            "UPDATE run_claims SET released_at = @now, exit_code = @e, outcome = @o, retry_after = @ra WHERE id = @id AND released_at IS NULL",
            cancellationToken,
            ("@now", nowText),
            ("@e", exitCode),
            ("@o", outcome),
            ("@ra", retryAfter is { } ra ? DbTime.ToText(ra) : null),
            ("@id", claim.Id)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ClaimRelease(status, requeued, false, outcome, retryAfter);
    }

    /// <summary>Marks the run's open claims (of workers found dead by the candidate query) taken over; returns who held it.</summary>
    private static async Task<string?> ReleaseDeadClaimsAsync(DbConnection connection, DbTransaction transaction, string runId, WorkerRegistration worker, DateTime now, CancellationToken cancellationToken)
    {
        var dead = new List<(long Id, string WorkerId, string? Heartbeat)>();
        await using (var select = QueueSql.Command(
            connection,
            transaction,
            "SELECT c.id, c.worker_id, w.heartbeat_at FROM run_claims c LEFT JOIN workers w ON w.worker_id = c.worker_id WHERE c.run_id = @r AND c.released_at IS NULL",
            ("@r", runId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                dead.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        foreach (var (id, workerId, heartbeat) in dead)
        {
            var silent = heartbeat is null ? "gone" : string.Create(CultureInfo.InvariantCulture, $"silent for {(now - DbTime.FromText(heartbeat)).TotalSeconds:F0}s");
            await QueueSql.ExecuteAsync(
                connection,
                transaction,
                "UPDATE run_claims SET released_at = @now, outcome = @o WHERE id = @id",
                cancellationToken,
                ("@now", DbTime.ToText(now)),
                ("@o", $"taken over by worker {worker.WorkerId}: worker {workerId} {silent}"),
                ("@id", id)).ConfigureAwait(false);
        }

        return dead.Count == 0 ? null : string.Join(", ", dead.Select(d => d.WorkerId).Distinct(StringComparer.Ordinal));
    }

    private static async Task<string?> DescribeLeaseAsync(DbConnection connection, DbTransaction transaction, string runId, DateTime now, CancellationToken cancellationToken)
    {
        await using var select = QueueSql.Command(connection, transaction, "SELECT pid, host, heartbeat_at FROM executor_leases WHERE run_id = @r", ("@r", runId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return "no executor held it";
        }

        var age = (now - DbTime.FromText(reader.GetString(2))).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture, $"executor pid {reader.GetInt32(0)} on {reader.GetString(1)} silent for {age:F0}s");
    }
}
