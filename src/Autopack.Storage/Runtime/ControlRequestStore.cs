using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Runtime;

/// <summary>
/// The executor's side of <c>control_requests</c>: a run's unhandled requests, and marking one handled together
/// with its <c>events</c> row in one transaction, at most once (a second mark finds it handled and records nothing).
/// </summary>
public sealed class ControlRequestStore(SqliteDatabase database, TimeProvider time)
{
    /// <summary>The run's requests that no executor has handled yet, oldest first.</summary>
    public async Task<IReadOnlyList<ControlRequestRow>> PendingAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.ControlRequests.AsNoTracking()
            .Where(r => r.RunId == runId && r.HandledAt == null)
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest handled request of the run with this kind and (for a timeout) phase; null when none.</summary>
    public async Task<ControlRequestRow?> LastHandledAsync(string runId, string kind, string? phaseId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.ControlRequests.AsNoTracking()
            .Where(r => r.RunId == runId && r.Kind == kind && r.PhaseId == phaseId && r.HandledAt != null)
            .OrderByDescending(r => r.Id)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>When the run last became PAUSED (its <c>run_status</c> event); null when it never was.</summary>
    public async Task<DateTime?> LastPausedAtAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        return await db.Events.AsNoTracking()
            .Where(e => e.RunId == runId && e.Kind == "run_status" && e.Message.Contains("-> PAUSED"))
            .OrderByDescending(e => e.Id)
            .Select(e => (DateTime?)e.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks a stored request handled and records <paramref name="eventMessage"/> as a <c>control_command</c> event,
    /// both or neither; false (nothing written) when it was already handled.
    /// </summary>
    public async Task<bool> MarkHandledAsync(long id, string handledBy, string outcome, string eventMessage, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var request = await db.ControlRequests.FirstOrDefaultAsync(r => r.Id == id && r.HandledAt == null, cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            return false;
        }

        request.HandledAt = now;
        request.HandledBy = handledBy;
        request.Outcome = outcome;
        db.Events.Add(new EventRow { RunId = request.RunId, PhaseId = request.PhaseId, Kind = "control_command", Message = eventMessage, CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Stores an operator's echo that an executor has just handled (source <c>file</c>), with its event.</summary>
    public async Task RecordFileCommandAsync(ControlCommand command, string runId, DateTime writtenAt, string handledBy, string outcome, string eventMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var db = database.CreateContext();
        var now = time.GetUtcNow().UtcDateTime;
        var phaseId = command.Kind == ControlKind.Timeout ? command.TargetId : null;
        db.ControlRequests.Add(new ControlRequestRow
        {
            RunId = runId,
            PhaseId = phaseId,
            Kind = ControlCommand.WordOf(command.Kind),
            Source = ControlRequests.Name(ControlSource.File),
            RequestedAt = writtenAt,
            HandledAt = now,
            HandledBy = handledBy,
            Outcome = outcome,
        });
        db.Events.Add(new EventRow { RunId = runId, PhaseId = phaseId, Kind = "control_command", Message = eventMessage, CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
