using Autopack.Domain.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Events;
using Autopack.Storage.Leases;

namespace Autopack.Storage.Budgets;

/// <summary>
/// The hard token budgets, kept in the database so they survive crashes and are shared by every process:
/// used = the rows of <c>llm_usage_events</c>, reserved = the rows of <c>token_reservations</c> (their totals kept by
/// triggers in <c>budget_totals</c>). Each operation is one write transaction that first locks the run (SQLite: the
/// IMMEDIATE transaction's write lock; PostgreSQL: the run's row <c>FOR UPDATE</c>), so concurrent reservations of a run,
/// from any number of executors on any number of hosts, are served one at a time and the check and the write can
/// never interleave (ADR-004, ADR-039). The statements run on kept connections with their commands prepared once, and
/// on SQLite their commits leave most of the WAL's checkpointing to a background task (<see cref="PreparedSessions"/>, ADR-042).
/// </summary>
public sealed class TokenLedger(AutopackDatabase database, TimeProvider time, LeaseFence? fence = null) : IDisposable
{
    // Kept sessions: one per concurrent caller, up to four (an executor makes one call at a time; its metered endpoint more).
    private readonly PreparedSessions sessions = new(database, keep: 4);

    /// <summary>How many background checkpoints the ledger's commits have started (for tests and benchmarks).</summary>
    public int Checkpoints => sessions.Checkpoints;

    /// <summary>Reads both ledgers of a phase and its run (caps, used, reserved).</summary>
    public Task<(BudgetLedger Phase, BudgetLedger Run)> ReadAsync(string runId, string phaseId, CancellationToken cancellationToken = default) =>
        sessions.RunAsync(session => ReadLedgersAsync(session, null, runId, phaseId, cancellationToken), cancellationToken);

    /// <summary>Reserves the worst case of a call against its phase and run, or refuses it.</summary>
    public Task<TokenReservation> ReserveAsync(
        string runId,
        string phaseId,
        long promptTokens,
        long maxOutputTokens,
        long minUsefulOutputTokens,
        string ownerId,
        CancellationToken cancellationToken = default) =>
        sessions.RunAsync(session => ReserveAsync(session, runId, phaseId, promptTokens, maxOutputTokens, minUsefulOutputTokens, ownerId, cancellationToken), cancellationToken);

    private async Task<TokenReservation> ReserveAsync(
        PreparedSession session,
        string runId,
        string phaseId,
        long promptTokens,
        long maxOutputTokens,
        long minUsefulOutputTokens,
        string ownerId,
        CancellationToken cancellationToken)
    {
        await using var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        fence?.EnsureHeld(database, session, transaction, runId);
        var (phase, run) = await ReadLedgersAsync(session, transaction, runId, phaseId, cancellationToken).ConfigureAwait(false);
        var decision = TokenBudget.TryReserve(phase, run, promptTokens, maxOutputTokens, minUsefulOutputTokens);
        if (!decision.Granted)
        {
            // The 80% warning comes before any refusal: a budget refused by the minimum-output rule below 80% of
            // its cap (or before a settle crossed it) gets its warning now, once per scope.
            if (decision.LimitingScope is { } scope
                && await WarnBeforeRefusalAsync(session.Connection, transaction, runId, phaseId, scope, scope == BudgetScope.Phase ? phase : run, cancellationToken).ConfigureAwait(false))
            {
                await session.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            }

            return new TokenReservation(0, runId, phaseId, decision);
        }

        var id = await session.ScalarAsync(
            transaction,
            "INSERT INTO token_reservations (run_id, phase_id, tokens, owner_id, created_at) VALUES (@r, @p, @t, @o, @c) RETURNING id",
            cancellationToken,
            ("@r", runId),
            ("@p", phaseId),
            ("@t", decision.ReservedTokens),
            ("@o", ownerId),
            ("@c", DbTime.ToText(time.GetUtcNow()))).ConfigureAwait(false);
        await session.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return new TokenReservation(id, runId, phaseId, decision);
    }

    /// <summary>
    /// Replaces the reservation by the call's usage row (charged no more than reserved), and records 80% warnings
    /// and any overrun in <c>events</c>, all in one transaction.
    /// </summary>
    public Task<SettlementResult> SettleAsync(TokenReservation reservation, UsageRecord usage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(usage);
        return sessions.RunAsync(session => SettleAsync(session, reservation, usage, cancellationToken), cancellationToken);
    }

    private async Task<SettlementResult> SettleAsync(PreparedSession session, TokenReservation reservation, UsageRecord usage, CancellationToken cancellationToken)
    {
        var charged = TokenBudget.Settle(reservation.Decision, usage.PromptTokens, usage.CompletionTokens);
        var now = time.GetUtcNow().UtcDateTime;
        var connection = session.Connection;
        await using var transaction = await session.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        fence?.EnsureHeld(database, session, transaction, reservation.RunId);
        var (phaseBefore, runBefore) = await ReadLedgersAsync(session, transaction, reservation.RunId, reservation.PhaseId, cancellationToken).ConfigureAwait(false);

        if (await session.ExecuteAsync(transaction, "DELETE FROM token_reservations WHERE id = @id", cancellationToken, ("@id", reservation.Id)).ConfigureAwait(false) != 1)
        {
            throw new InvalidOperationException($"reservation {reservation.Id} is no longer held; it was released before the call settled");
        }

        var usageId = await session.ScalarAsync(
            transaction,
            "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, estimated, created_at) " +
            "VALUES (@r, @p, @pn, @prov, @m, @role, @pt, @ct, @e, @c) RETURNING id",
            cancellationToken,
            ("@r", reservation.RunId),
            ("@p", reservation.PhaseId),
            ("@pn", usage.PhaseName),
            ("@prov", usage.Provider),
            ("@m", usage.Model),
            ("@role", usage.Role),
            ("@pt", charged.PromptTokens),
            ("@ct", charged.CompletionTokens),
            ("@e", usage.Estimated ? 1 : 0),
            ("@c", DbTime.ToText(now))).ConfigureAwait(false);

        // Once per scope: a refusal below 80% (a call that no longer fit beside others in flight) may already have warned.
        var phaseWarn = TokenBudget.CrossesWarning(phaseBefore.Cap, phaseBefore.Used, phaseBefore.Used + charged.Total)
            && !await HasWarningAsync(connection, transaction, reservation.RunId, reservation.PhaseId, isPhase: true, cancellationToken).ConfigureAwait(false);
        var runWarn = TokenBudget.CrossesWarning(runBefore.Cap, runBefore.Used, runBefore.Used + charged.Total)
            && !await HasWarningAsync(connection, transaction, reservation.RunId, reservation.PhaseId, isPhase: false, cancellationToken).ConfigureAwait(false);
        if (phaseWarn)
        {
            await EventRows.InsertAsync(connection, transaction, reservation.RunId, reservation.PhaseId, "budget_warning",
                $"phase {reservation.PhaseId} used {phaseBefore.Used + charged.Total} of {phaseBefore.Cap} tokens (over 80%)", now, cancellationToken).ConfigureAwait(false);
        }

        if (runWarn)
        {
            await EventRows.InsertAsync(connection, transaction, reservation.RunId, null, "budget_warning",
                $"run {reservation.RunId} used {runBefore.Used + charged.Total} of {runBefore.Cap} tokens (over 80%)", now, cancellationToken).ConfigureAwait(false);
        }

        if (charged.OverrunTokens > 0)
        {
            await EventRows.InsertAsync(connection, transaction, reservation.RunId, reservation.PhaseId, "budget_overrun",
                $"{usage.Provider} reported {usage.PromptTokens + usage.CompletionTokens} tokens for a call reserved at {reservation.Decision.ReservedTokens}; " +
                $"{charged.OverrunTokens} not charged (caps are hard)", now, cancellationToken).ConfigureAwait(false);
        }

        await session.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return new SettlementResult(usageId, charged, phaseWarn, runWarn);
    }

    /// <summary>Gives a reservation back (the call failed or was cancelled). Idempotent.</summary>
    public async Task ReleaseAsync(TokenReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (!reservation.Granted)
        {
            return;
        }

        await sessions.RunAsync(
            session => session.ExecuteAsync(null, "DELETE FROM token_reservations WHERE id = @id", cancellationToken, ("@id", reservation.Id)),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops reservations a dead executor left behind on a run (called by the executor that takes the lease over).</summary>
    public async Task<int> ReleaseAbandonedAsync(string runId, string currentOwnerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            null, "DELETE FROM token_reservations WHERE run_id = @r AND owner_id <> @o", cancellationToken, ("@r", runId), ("@o", currentOwnerId)).ConfigureAwait(false);
    }

    /// <summary>
    /// Caps, used and reserved of the phase and its run. Inside a write transaction on PostgreSQL the run's row is locked
    /// first, so every other reservation or settlement of the run waits until this one commits and then reads totals
    /// that include it.
    /// </summary>
    private async Task<(BudgetLedger Phase, BudgetLedger Run)> ReadLedgersAsync(
        PreparedSession session, System.Data.Common.DbTransaction? transaction, string runId, string phaseId, CancellationToken cancellationToken)
    {
        if (transaction is not null && database.ForUpdate.Length > 0)
        {
            await session.ScalarAsync(transaction, $"SELECT 1 FROM runs WHERE run_id = @r{database.ForUpdate}", cancellationToken, ("@r", runId)).ConfigureAwait(false);
        }

        // budget_totals is kept by triggers on llm_usage_events and token_reservations (migration 202611251750).
        var command = session.Command(
            transaction,
            """
            SELECT
              (SELECT token_cap FROM phases WHERE phase_id = @p AND run_id = @r),
              coalesce((SELECT used_tokens FROM budget_totals WHERE scope = 'phase' AND id = @p), 0),
              coalesce((SELECT reserved_tokens FROM budget_totals WHERE scope = 'phase' AND id = @p), 0),
              (SELECT token_cap FROM runs WHERE run_id = @r),
              coalesce((SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = @r), 0),
              coalesce((SELECT reserved_tokens FROM budget_totals WHERE scope = 'run' AND id = @r), 0)
            """,
            ("@r", runId),
            ("@p", phaseId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (reader.IsDBNull(0) || reader.IsDBNull(3))
        {
            throw new Runs.NotFoundException("phase", $"{runId}/{phaseId}");
        }

        return (new BudgetLedger(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)),
            new BudgetLedger(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
    }

    /// <summary>Records the scope's <c>budget_warning</c> unless it already has one; true when it wrote.</summary>
    private async Task<bool> WarnBeforeRefusalAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string runId, string phaseId, BudgetScope scope, BudgetLedger ledger, CancellationToken cancellationToken)
    {
        var isPhase = scope == BudgetScope.Phase;
        if (await HasWarningAsync(connection, transaction, runId, phaseId, isPhase, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var what = isPhase ? $"phase {phaseId}" : $"run {runId}";
        await EventRows.InsertAsync(connection, transaction, runId, isPhase ? phaseId : null, "budget_warning",
            $"{what} used {ledger.Used} of {ledger.Cap} tokens ({ledger.Reserved} reserved); a call no longer fits (warning before the refusal)",
            time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Whether the phase (or, with <paramref name="isPhase"/> false, the run) already has its <c>budget_warning</c>.</summary>
    private static async Task<bool> HasWarningAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string runId, string phaseId, bool isPhase, CancellationToken cancellationToken) =>
        await connection.ScalarAsync(
            transaction,
            isPhase
                ? "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND run_id = @r AND phase_id = @p"
                : "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND run_id = @r AND phase_id IS NULL",
            cancellationToken,
            ("@r", runId),
            ("@p", phaseId)).ConfigureAwait(false) > 0;

    /// <summary>Closes the kept connections (after a running checkpoint ends).</summary>
    public void Dispose() => sessions.Dispose();
}
