using System.Data.Common;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Events;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;

namespace Autopack.Storage.Runtime;

/// <summary>
/// The stored half of `autopack runs stop|abort`, `autopack phases timeout` and the API's control endpoints: refuse an
/// unknown or already-ended run or phase; otherwise store the request in <c>control_requests</c> (in the same
/// transaction as the "has it ended?" check, so a request for another run never overwrites it). An abort for a
/// QUEUED or PAUSED run that no live executor holds ends the run ABORTED here and now: there is no executor to act
/// on it. The control file the callers then write is theirs (the Api's <c>ControlRequestSender</c>): this class
/// touches only the database.
/// </summary>
public sealed class ControlRequests(AutopackDatabase database, TimeProvider time, StorageSettings settings)
{
    /// <exception cref="NotFoundException">the run (stop, abort) or phase (timeout) does not exist.</exception>
    public async Task<ControlRequestResult> RequestAsync(ControlCommand command, ControlSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var isPhase = command.Kind == ControlKind.Timeout;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // IMMEDIATE: the check, the lease look-up and the insert see one state.
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        string runId;
        string status;
        if (isPhase)
        {
            await using var select = connection.Command(transaction, $"SELECT run_id, status FROM phases WHERE phase_id = @p{database.ForUpdate}", ("@p", command.TargetId));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            (runId, status) = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? (reader.GetString(0), reader.GetString(1))
                : throw new NotFoundException("phase", command.TargetId);
            if (PhaseTransitions.IsTerminal(StatusNames.ParsePhase(status)))
            {
                return new ControlRequestResult(command, runId, $"phase {command.TargetId} already ended ({status})");
            }
        }
        else
        {
            var run = await RunStateWriter.ReadRunAsync(database, connection, transaction, command.TargetId, cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException("run", command.TargetId);
            (runId, status) = (run.RunId, run.Status.ToName());
            if (RunTransitions.IsTerminal(run.Status))
            {
                return new ControlRequestResult(command, runId, $"run {command.TargetId} already ended ({status})");
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        var endedNow = command.Kind == ControlKind.Abort
            && status is "QUEUED" or "PAUSED"
            && !await HeldByLiveExecutorAsync(connection, transaction, runId, now, cancellationToken).ConfigureAwait(false);
        var outcome = endedNow ? $"aborted at once: the run was {status} and no executor held it" : null;
        var requestId = await ControlRequestStore.InsertAsync(
            connection, transaction, runId, isPhase ? command.TargetId : null, ControlCommand.WordOf(command.Kind), Name(source), now,
            endedNow ? now : null, endedNow ? Name(source) : null, outcome, cancellationToken).ConfigureAwait(false);
        if (endedNow)
        {
            // The run is ended as its executor would have: ABORTED, its queued phases SKIPPED, each change in events.
            var run = (await RunStateWriter.ReadRunAsync(database, connection, transaction, runId, cancellationToken).ConfigureAwait(false))!;
            await RunStateWriter.ApplyRunTransitionAsync(connection, transaction, run, RunStatus.Aborted, "aborted by operator", now, cancellationToken).ConfigureAwait(false);
            await RunStateWriter.SkipQueuedAsync(database, connection, transaction, runId, $"run ended {RunStatus.Aborted.ToName()}", now, cancellationToken).ConfigureAwait(false);
            await EventRows.InsertAsync(connection, transaction, runId, null, "control_command", $"abort:{runId}: {outcome} (request from {Name(source)})", now, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ControlRequestResult(command, runId, null, requestId, endedNow);
    }

    public static string Name(ControlSource source) => source switch
    {
        ControlSource.Cli => "cli",
        ControlSource.Api => "api",
        _ => "file",
    };

    /// <summary>A lease whose heartbeat is younger than the stale limit, as <see cref="ExecutorLeases"/> judges it.</summary>
    private async Task<bool> HeldByLiveExecutorAsync(DbConnection connection, DbTransaction transaction, string runId, DateTime now, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(transaction, "SELECT heartbeat_at FROM executor_leases WHERE run_id = @r", ("@r", runId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string heartbeat
            && now - DbTime.FromText(heartbeat) < TimeSpan.FromSeconds(settings.LeaseStaleSeconds);
    }
}
