using Autopack.Domain.Budgets;
using Autopack.Storage.Database;
using Autopack.Storage.Leases;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Budgets;

/// <summary>
/// The hard token budgets, kept in the database so they survive crashes and are shared by every process:
/// used = the rows of <c>llm_usage_events</c>, reserved = the rows of <c>token_reservations</c>. Each operation
/// is one IMMEDIATE transaction, so concurrent reservations are serialised by SQLite's write lock and the
/// check and the write can never interleave.
/// </summary>
public sealed class TokenLedger(SqliteDatabase database, TimeProvider time, LeaseFence? fence = null)
{
    /// <summary>Reads both ledgers of a phase and its run (caps, used, reserved).</summary>
    public async Task<(BudgetLedger Phase, BudgetLedger Run)> ReadAsync(string runId, string phaseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return ReadLedgers(connection, null, runId, phaseId);
    }

    /// <summary>Reserves the worst case of a call against its phase and run, or refuses it.</summary>
    public async Task<TokenReservation> ReserveAsync(
        string runId,
        string phaseId,
        long promptTokens,
        long maxOutputTokens,
        long minUsefulOutputTokens,
        string ownerId,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        fence?.EnsureHeld(connection, transaction, runId);
        var (phase, run) = ReadLedgers(connection, transaction, runId, phaseId);
        var decision = TokenBudget.TryReserve(phase, run, promptTokens, maxOutputTokens, minUsefulOutputTokens);
        if (!decision.Granted)
        {
            // The 80% warning comes before any refusal: a budget refused by the minimum-output rule below 80% of
            // its cap (or before a settle crossed it) gets its warning now, once per scope.
            if (decision.LimitingScope is { } scope && WarnBeforeRefusal(connection, transaction, runId, phaseId, scope, scope == BudgetScope.Phase ? phase : run))
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return new TokenReservation(0, runId, phaseId, decision);
        }

        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO token_reservations (run_id, phase_id, tokens, owner_id, created_at) VALUES ($r, $p, $t, $o, $c); SELECT last_insert_rowid();";
        insert.Parameters.AddWithValue("$r", runId);
        insert.Parameters.AddWithValue("$p", phaseId);
        insert.Parameters.AddWithValue("$t", decision.ReservedTokens);
        insert.Parameters.AddWithValue("$o", ownerId);
        insert.Parameters.AddWithValue("$c", DbTime.ToText(time.GetUtcNow()));
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TokenReservation(id, runId, phaseId, decision);
    }

    /// <summary>
    /// Replaces the reservation by the call's usage row (charged no more than reserved), and records 80% warnings
    /// and any overrun in <c>events</c>, all in one transaction.
    /// </summary>
    public async Task<SettlementResult> SettleAsync(TokenReservation reservation, UsageRecord usage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(usage);
        var charged = TokenBudget.Settle(reservation.Decision, usage.PromptTokens, usage.CompletionTokens);
        var now = DbTime.ToText(time.GetUtcNow());

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        fence?.EnsureHeld(connection, transaction, reservation.RunId);
        var (phaseBefore, runBefore) = ReadLedgers(connection, transaction, reservation.RunId, reservation.PhaseId);

        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM token_reservations WHERE id = $id";
            delete.Parameters.AddWithValue("$id", reservation.Id);
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new InvalidOperationException($"reservation {reservation.Id} is no longer held; it was released before the call settled");
            }
        }

        long usageId;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText =
                "INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, estimated, created_at) " +
                "VALUES ($r, $p, $pn, $prov, $m, $role, $pt, $ct, $e, $c); SELECT last_insert_rowid();";
            insert.Parameters.AddWithValue("$r", reservation.RunId);
            insert.Parameters.AddWithValue("$p", reservation.PhaseId);
            insert.Parameters.AddWithValue("$pn", usage.PhaseName);
            insert.Parameters.AddWithValue("$prov", usage.Provider);
            insert.Parameters.AddWithValue("$m", usage.Model);
            insert.Parameters.AddWithValue("$role", usage.Role);
            insert.Parameters.AddWithValue("$pt", charged.PromptTokens);
            insert.Parameters.AddWithValue("$ct", charged.CompletionTokens);
            insert.Parameters.AddWithValue("$e", usage.Estimated ? 1 : 0);
            insert.Parameters.AddWithValue("$c", now);
            usageId = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var phaseWarn = TokenBudget.CrossesWarning(phaseBefore.Cap, phaseBefore.Used, phaseBefore.Used + charged.Total);
        var runWarn = TokenBudget.CrossesWarning(runBefore.Cap, runBefore.Used, runBefore.Used + charged.Total);
        if (phaseWarn)
        {
            InsertEvent(connection, transaction, reservation.RunId, reservation.PhaseId, "budget_warning",
                $"phase {reservation.PhaseId} used {phaseBefore.Used + charged.Total} of {phaseBefore.Cap} tokens (over 80%)", now);
        }

        if (runWarn)
        {
            InsertEvent(connection, transaction, reservation.RunId, null, "budget_warning",
                $"run {reservation.RunId} used {runBefore.Used + charged.Total} of {runBefore.Cap} tokens (over 80%)", now);
        }

        if (charged.OverrunTokens > 0)
        {
            InsertEvent(connection, transaction, reservation.RunId, reservation.PhaseId, "budget_overrun",
                $"{usage.Provider} reported {usage.PromptTokens + usage.CompletionTokens} tokens for a call reserved at {reservation.Decision.ReservedTokens}; " +
                $"{charged.OverrunTokens} not charged (caps are hard)", now);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM token_reservations WHERE id = $id";
        delete.Parameters.AddWithValue("$id", reservation.Id);
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops reservations a dead executor left behind on a run (called by the executor that takes the lease over).</summary>
    public async Task<int> ReleaseAbandonedAsync(string runId, string currentOwnerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM token_reservations WHERE run_id = $r AND owner_id <> $o";
        delete.Parameters.AddWithValue("$r", runId);
        delete.Parameters.AddWithValue("$o", currentOwnerId);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static (BudgetLedger Phase, BudgetLedger Run) ReadLedgers(SqliteConnection connection, SqliteTransaction? transaction, string runId, string phaseId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // budget_totals is kept by triggers on llm_usage_events and token_reservations (migration 202611251750).
        command.CommandText = """
            SELECT
              (SELECT token_cap FROM phases WHERE phase_id = $p AND run_id = $r),
              coalesce((SELECT used_tokens FROM budget_totals WHERE scope = 'phase' AND id = $p), 0),
              coalesce((SELECT reserved_tokens FROM budget_totals WHERE scope = 'phase' AND id = $p), 0),
              (SELECT token_cap FROM runs WHERE run_id = $r),
              coalesce((SELECT used_tokens FROM budget_totals WHERE scope = 'run' AND id = $r), 0),
              coalesce((SELECT reserved_tokens FROM budget_totals WHERE scope = 'run' AND id = $r), 0)
            """;
        command.Parameters.AddWithValue("$r", runId);
        command.Parameters.AddWithValue("$p", phaseId);
        using var reader = command.ExecuteReader();
        reader.Read();
        if (reader.IsDBNull(0) || reader.IsDBNull(3))
        {
            throw new Runs.NotFoundException("phase", $"{runId}/{phaseId}");
        }

        return (new BudgetLedger(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)),
            new BudgetLedger(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
    }

    /// <summary>Records the scope's <c>budget_warning</c> unless it already has one; true when it wrote.</summary>
    private bool WarnBeforeRefusal(SqliteConnection connection, SqliteTransaction transaction, string runId, string phaseId, BudgetScope scope, BudgetLedger ledger)
    {
        var isPhase = scope == BudgetScope.Phase;
        using (var existing = connection.CreateCommand())
        {
            existing.Transaction = transaction;
            existing.CommandText = isPhase
                ? "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND run_id = $r AND phase_id = $p"
                : "SELECT count(*) FROM events WHERE kind = 'budget_warning' AND run_id = $r AND phase_id IS NULL";
            existing.Parameters.AddWithValue("$r", runId);
            existing.Parameters.AddWithValue("$p", phaseId);
            if ((long)existing.ExecuteScalar()! > 0)
            {
                return false;
            }
        }

        var what = isPhase ? $"phase {phaseId}" : $"run {runId}";
        InsertEvent(connection, transaction, runId, isPhase ? phaseId : null, "budget_warning",
            $"{what} used {ledger.Used} of {ledger.Cap} tokens ({ledger.Reserved} reserved); a call no longer fits (warning before the refusal)",
            DbTime.ToText(time.GetUtcNow()));
        return true;
    }

    private static void InsertEvent(SqliteConnection connection, SqliteTransaction transaction, string runId, string? phaseId, string kind, string message, string now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO events (run_id, phase_id, kind, message, created_at) VALUES ($r, $p, $k, $m, $c)";
        command.Parameters.AddWithValue("$r", runId);
        command.Parameters.AddWithValue("$p", (object?)phaseId ?? DBNull.Value);
        command.Parameters.AddWithValue("$k", kind);
        command.Parameters.AddWithValue("$m", message);
        command.Parameters.AddWithValue("$c", now);
        command.ExecuteNonQuery();
    }
}
