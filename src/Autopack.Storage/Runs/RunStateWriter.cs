using System.Data.Common;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;
using Autopack.Storage.Events;
using Autopack.Storage.Leases;

namespace Autopack.Storage.Runs;

/// <summary>
/// Every state change of runs and phases: the domain's rule (<see cref="RunProgress.MoveTo"/>,
/// <see cref="PhaseProgress.MoveTo"/>) persisted with its <c>events</c> row in one IMMEDIATE transaction, so the
/// trail and the state never disagree. In an executor, each transaction for its run first checks the
/// <see cref="LeaseFence"/>: a stale owner's write is refused. Plain SQL: these are the executor's writes (ADR-034).
/// </summary>
public sealed class RunStateWriter(AutopackDatabase database, TimeProvider time, LeaseFence? fence = null)
{
    public async Task<RunRow> TransitionRunAsync(string runId, RunStatus to, string? reason = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        fence?.EnsureHeld(database, connection, transaction, runId);
        var run = await ReadRunAsync(database, connection, transaction, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException("run", runId);
        await ApplyRunTransitionAsync(connection, transaction, run, to, reason, time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
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
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        fence?.EnsureHeld(database, connection, transaction, runId);
        await connection.ExecuteAsync(
            transaction, "UPDATE runs SET base_commit = @b WHERE run_id = @r AND base_commit IS NULL", cancellationToken, ("@b", baseCommit), ("@r", runId)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the run's still-queued phases SKIPPED (the run ended before reaching them).</summary>
    public async Task<int> SkipQueuedPhasesAsync(string runId, string reason, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        fence?.EnsureHeld(database, connection, transaction, runId);
        var skipped = await SkipQueuedAsync(database, connection, transaction, runId, reason, time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return skipped;
    }

    /// <summary>
    /// A run's transition inside the caller's transaction: the domain's rule applied to <paramref name="run"/>, the
    /// row updated and its <c>run_status</c> event written.
    /// </summary>
    internal static async Task ApplyRunTransitionAsync(
        DbConnection connection, DbTransaction transaction, RunRow run, RunStatus to, string? reason, DateTime now, CancellationToken cancellationToken)
    {
        var from = run.Status;
        var next = RunColumns.ProgressOf(run).MoveTo(run.RunId, to, reason, now);
        await connection.ExecuteAsync(
            transaction,
            "UPDATE runs SET status = @s, started_at = @st, finished_at = @f, failure_reason = @fr WHERE run_id = @r",
            cancellationToken,
            ("@s", next.Status.ToName()),
            ("@st", SqlCommands.ToText(next.StartedAt)),
            ("@f", SqlCommands.ToText(next.FinishedAt)),
            ("@fr", next.FailureReason),
            ("@r", run.RunId)).ConfigureAwait(false);
        RunColumns.Apply(run, next);
        await EventRows.InsertAsync(connection, transaction, run.RunId, null, "run_status", RunProgress.Describe(from, to, reason), now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run's still-queued phases SKIPPED inside the caller's transaction, each with its event; how many.</summary>
    internal static async Task<int> SkipQueuedAsync(
        AutopackDatabase database, DbConnection connection, DbTransaction transaction, string runId, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var queued = new List<PhaseRow>();
        await using (var select = connection.Command(
            transaction, $"SELECT {RunColumns.Phase} FROM phases WHERE run_id = @r AND status = 'QUEUED' ORDER BY position{database.ForUpdate}", ("@r", runId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                queued.Add(RunColumns.ReadPhase(reader));
            }
        }

        foreach (var phase in queued)
        {
            await WritePhaseMoveAsync(connection, transaction, phase, PhaseStatus.Skipped, now, reason, false, null, cancellationToken).ConfigureAwait(false);
        }

        return queued.Count;
    }

    /// <summary>The run's row, locked for the rest of <paramref name="transaction"/> on PostgreSQL.</summary>
    internal static async Task<RunRow?> ReadRunAsync(AutopackDatabase database, DbConnection connection, DbTransaction? transaction, string runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            transaction, $"SELECT {RunColumns.Run} FROM runs WHERE run_id = @r{(transaction is null ? string.Empty : database.ForUpdate)}", ("@r", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? RunColumns.ReadRun(reader) : null;
    }

    private async Task<PhaseRow> TransitionPhaseCoreAsync(
        string phaseId, PhaseStatus to, string? reason, bool refundAttempt, string? commitSha, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        PhaseRow phase;
        await using (var select = connection.Command(transaction, $"SELECT {RunColumns.Phase} FROM phases WHERE phase_id = @p{database.ForUpdate}", ("@p", phaseId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            phase = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? RunColumns.ReadPhase(reader) : throw new NotFoundException("phase", phaseId);
        }

        fence?.EnsureHeld(database, connection, transaction, phase.RunId);
        await WritePhaseMoveAsync(connection, transaction, phase, to, time.GetUtcNow().UtcDateTime, reason, refundAttempt, commitSha, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return phase;
    }

    /// <summary>The domain's rule applied to <paramref name="phase"/>, the row updated and its <c>phase_status</c> event written.</summary>
    private static async Task WritePhaseMoveAsync(
        DbConnection connection, DbTransaction transaction, PhaseRow phase, PhaseStatus to, DateTime now, string? reason, bool refundAttempt, string? commitSha, CancellationToken cancellationToken)
    {
        var from = phase.Status;
        var next = RunColumns.ProgressOf(phase).MoveTo(phase.PhaseId, to, now, reason, refundAttempt, commitSha);
        await connection.ExecuteAsync(
            transaction,
            "UPDATE phases SET status = @s, attempts = @a, started_at = @st, finished_at = @f, failure_reason = @fr, commit_sha = @c WHERE phase_id = @p",
            cancellationToken,
            ("@s", next.Status.ToName()),
            ("@a", next.Attempts),
            ("@st", SqlCommands.ToText(next.StartedAt)),
            ("@f", SqlCommands.ToText(next.FinishedAt)),
            ("@fr", next.FailureReason),
            ("@c", next.CommitSha),
            ("@p", phase.PhaseId)).ConfigureAwait(false);
        RunColumns.Apply(phase, next);
        await EventRows.InsertAsync(connection, transaction, phase.RunId, phase.PhaseId, "phase_status", next.DescribeMoveFrom(from, reason, commitSha), now, cancellationToken).ConfigureAwait(false);
    }
}
