using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Leases;
using Autopack.Storage.Runs;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Runtime;

/// <summary>
/// The stored half of `autopack runs stop|abort`, `autopack phases timeout` and the API's control endpoints: refuse an
/// unknown or already-ended run or phase; otherwise store the request in <c>control_requests</c> (in the same
/// transaction as the "has it ended?" check, so a request for another run never overwrites it). An abort for a
/// QUEUED or PAUSED run that no live executor holds ends the run ABORTED here and now: there is no executor to act
/// on it. The control file the callers then write is theirs (the Api's <c>ControlRequestSender</c>): this class
/// touches only the database.
/// </summary>
public sealed class ControlRequests(SqliteDatabase database, TimeProvider time, StorageSettings settings)
{
    /// <exception cref="NotFoundException">the run (stop, abort) or phase (timeout) does not exist.</exception>
    public async Task<ControlRequestResult> RequestAsync(ControlCommand command, ControlSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var isPhase = command.Kind == ControlKind.Timeout;
        await using var db = database.CreateContext();

        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): the check, the lease look-up and the insert see one state.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string runId;
        string status;
        if (isPhase)
        {
            var phase = await db.Phases.AsNoTracking().FirstOrDefaultAsync(p => p.PhaseId == command.TargetId, cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException("phase", command.TargetId);
            (runId, status) = (phase.RunId, phase.Status.ToName());
            if (PhaseTransitions.IsTerminal(phase.Status))
            {
                return new ControlRequestResult(command, runId, $"phase {command.TargetId} already ended ({status})");
            }
        }
        else
        {
            var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.RunId == command.TargetId, cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException("run", command.TargetId);
            (runId, status) = (run.RunId, run.Status.ToName());
            if (RunTransitions.IsTerminal(run.Status))
            {
                return new ControlRequestResult(command, runId, $"run {command.TargetId} already ended ({status})");
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        var request = new ControlRequestRow
        {
            RunId = runId,
            PhaseId = isPhase ? command.TargetId : null,
            Kind = ControlCommand.WordOf(command.Kind),
            Source = Name(source),
            RequestedAt = now,
        };
        db.ControlRequests.Add(request);
        var endedNow = command.Kind == ControlKind.Abort
            && status is "QUEUED" or "PAUSED"
            && !await HeldByLiveExecutorAsync(db, runId, now, cancellationToken).ConfigureAwait(false);
        if (endedNow)
        {
            await AbortNowAsync(db, runId, request, source, now, cancellationToken).ConfigureAwait(false);
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ControlRequestResult(command, runId, null, request.Id, endedNow);
    }

    public static string Name(ControlSource source) => source switch
    {
        ControlSource.Cli => "cli",
        ControlSource.Api => "api",
        _ => "file",
    };

    /// <summary>A lease whose heartbeat is younger than the stale limit, as <see cref="ExecutorLeases"/> judges it.</summary>
    private async Task<bool> HeldByLiveExecutorAsync(AutopackDbContext db, string runId, DateTime now, CancellationToken cancellationToken)
    {
        var lease = await db.ExecutorLeases.AsNoTracking().FirstOrDefaultAsync(l => l.RunId == runId, cancellationToken).ConfigureAwait(false);
        return lease is not null && ExecutorLeases.IsFresh(lease, now, TimeSpan.FromSeconds(settings.LeaseStaleSeconds));
    }

    /// <summary>Ends a run that no executor holds, as the executor would have: ABORTED, its queued phases SKIPPED, each change in events.</summary>
    private static async Task AbortNowAsync(AutopackDbContext db, string runId, ControlRequestRow request, ControlSource source, DateTime now, CancellationToken cancellationToken)
    {
        var run = await db.Runs.FirstAsync(r => r.RunId == runId, cancellationToken).ConfigureAwait(false);
        var from = run.Status;
        RunStateWriter.ApplyRunTransition(db, run, RunStatus.Aborted, "aborted by operator", now);
        await RunStateWriter.SkipQueuedAsync(db, runId, $"run ended {RunStatus.Aborted.ToName()}", now, cancellationToken).ConfigureAwait(false);

        var outcome = $"aborted at once: the run was {from.ToName()} and no executor held it";
        request.HandledAt = now;
        request.HandledBy = Name(source);
        request.Outcome = outcome;
        db.Events.Add(new EventRow { RunId = runId, Kind = "control_command", Message = $"abort:{runId}: {outcome} (request from {Name(source)})", CreatedAt = now });
    }
}
