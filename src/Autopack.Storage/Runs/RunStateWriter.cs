using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Leases;
using Microsoft.EntityFrameworkCore;

namespace Autopack.Storage.Runs;

/// <summary>
/// Every state change of runs and phases: checked against the domain's transitions, written with its
/// <c>events</c> row in one transaction, so the trail and the state never disagree. In an executor, each
/// transaction for its run first checks the <see cref="LeaseFence"/>: a stale owner's write is refused.
/// </summary>
public sealed class RunStateWriter(SqliteDatabase database, TimeProvider time, LeaseFence? fence = null)
{
    public async Task<RunRow> TransitionRunAsync(string runId, RunStatus to, string? reason = null, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureFenceAsync(db, runId, cancellationToken).ConfigureAwait(false);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.RunId == runId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException("run", runId);
        ApplyRunTransition(db, run, to, reason, time.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return run;
    }

    /// <summary>
    /// Moves a phase; QUEUED -> EXECUTING counts a new attempt. <paramref name="refundAttempt"/> uncounts the
    /// current attempt when it was interrupted (stop, executor crash) rather than failed, so interruptions never
    /// use up a phase's attempts.
    /// </summary>
    public Task<PhaseRow> TransitionPhaseAsync(string phaseId, PhaseStatus to, string? reason = null, bool refundAttempt = false, CancellationToken cancellationToken = default) =>
        TransitionPhaseCoreAsync(phaseId, to, reason, refundAttempt, null, cancellationToken);

    /// <summary>Marks a phase COMPLETE together with the commit it became on the run branch.</summary>
    public Task<PhaseRow> CompletePhaseAsync(string phaseId, string commitSha, CancellationToken cancellationToken = default) =>
        TransitionPhaseCoreAsync(phaseId, PhaseStatus.Complete, null, false, commitSha, cancellationToken);

    /// <summary>Records the commit an initialised repository's run branch starts from, once it is known.</summary>
    public async Task SetBaseCommitAsync(string runId, string baseCommit, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureFenceAsync(db, runId, cancellationToken).ConfigureAwait(false);
        await db.Runs.Where(r => r.RunId == runId && r.BaseCommit == null)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.BaseCommit, baseCommit), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<PhaseRow> TransitionPhaseCoreAsync(
        string phaseId, PhaseStatus to, string? reason, bool refundAttempt, string? commitSha, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var phase = await db.Phases.FirstOrDefaultAsync(p => p.PhaseId == phaseId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException("phase", phaseId);
        await EnsureFenceAsync(db, phase.RunId, cancellationToken).ConfigureAwait(false);
        var from = phase.Status;
        PhaseTransitions.Ensure(phaseId, from, to);
        var now = time.GetUtcNow().UtcDateTime;
        phase.Status = to;
        if (from == PhaseStatus.Queued && to == PhaseStatus.Executing)
        {
            phase.Attempts++;
            phase.StartedAt ??= now;
        }

        if (refundAttempt && phase.Attempts > 0)
        {
            phase.Attempts--;
        }

        if (PhaseTransitions.IsTerminal(to))
        {
            phase.FinishedAt = now;
        }

        if (reason is not null)
        {
            phase.FailureReason = reason;
        }
        else if (to == PhaseStatus.Complete)
        {
            phase.FailureReason = null;
        }

        if (commitSha is not null)
        {
            phase.CommitSha = commitSha;
        }

        db.Events.Add(new EventRow
        {
            RunId = phase.RunId,
            PhaseId = phaseId,
            Kind = "phase_status",
            Message = $"{from.ToName()} -> {to.ToName()}" + (to == PhaseStatus.Executing ? $" (attempt {phase.Attempts}/{phase.MaxAttempts})" : string.Empty)
                + (commitSha is null ? string.Empty : $" as commit {commitSha[..Math.Min(12, commitSha.Length)]}")
                + (reason is null ? string.Empty : $": {reason}"),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return phase;
    }

    /// <summary>Marks the run's still-queued phases SKIPPED (the run ended before reaching them).</summary>
    public async Task<int> SkipQueuedPhasesAsync(string runId, string reason, CancellationToken cancellationToken = default)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureFenceAsync(db, runId, cancellationToken).ConfigureAwait(false);
        var skipped = await SkipQueuedAsync(db, runId, reason, time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return skipped;
    }

    /// <summary>
    /// A run's transition inside the caller's transaction: checked against the domain, timestamps and reason set,
    /// its <c>events</c> row added (saved with the caller's other changes).
    /// </summary>
    internal static void ApplyRunTransition(AutopackDbContext db, RunRow run, RunStatus to, string? reason, DateTime now)
    {
        var from = run.Status;
        RunTransitions.Ensure(run.RunId, from, to);
        run.Status = to;
        if (to == RunStatus.Executing)
        {
            run.StartedAt ??= now;
            run.FailureReason = null;
        }

        if (RunTransitions.IsTerminal(to))
        {
            run.FinishedAt = now;
        }

        if (reason is not null && to != RunStatus.Executing)
        {
            run.FailureReason = reason;
        }

        db.Events.Add(new EventRow
        {
            RunId = run.RunId,
            Kind = "run_status",
            Message = $"{from.ToName()} -> {to.ToName()}" + (reason is null ? string.Empty : $": {reason}"),
            CreatedAt = now,
        });
    }

    /// <summary>The run's still-queued phases SKIPPED inside the caller's transaction, each with its event; how many.</summary>
    internal static async Task<int> SkipQueuedAsync(AutopackDbContext db, string runId, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var queued = await db.Phases.Where(p => p.RunId == runId && p.Status == PhaseStatus.Queued)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var phase in queued)
        {
            phase.Status = PhaseTransitions.Ensure(phase.PhaseId, phase.Status, PhaseStatus.Skipped);
            phase.FinishedAt = now;
            phase.FailureReason = reason;
            db.Events.Add(new EventRow { RunId = runId, PhaseId = phase.PhaseId, Kind = "phase_status", Message = $"QUEUED -> SKIPPED: {reason}", CreatedAt = now });
        }

        return queued.Count;
    }

    private Task EnsureFenceAsync(AutopackDbContext db, string runId, CancellationToken cancellationToken) =>
        fence is null ? Task.CompletedTask : fence.EnsureHeldAsync(db, runId, cancellationToken);
}
