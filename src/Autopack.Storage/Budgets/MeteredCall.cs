using Autopack.Domain.Budgets;

namespace Autopack.Storage.Budgets;

/// <summary>
/// One HTTP attempt's charge, from its reservation to its usage row: the one path every token spent goes through,
/// the built-in builder's and auditor's calls (Executor's <c>BudgetedLlmClient</c>) and the metered endpoint's
/// requests (Gateway) alike (ADR-036). <see cref="ReserveAsync"/> reserves the counted prompt plus the output's
/// worst case against phase and run (shrinking the output to the headroom) or learns it was refused; a granted call
/// then ends in exactly one of <see cref="SettleAsync"/> (the reported usage), <see cref="SettleEstimateAsync"/>
/// (the provider may have billed it without saying: the counted prompt and what was seen of the output, marked
/// estimated) or <see cref="ReleaseAsync"/> (nothing can have been billed). A settle that throws is tried once more,
/// then the reservation is released before the error goes on: no outcome leaves it held.
/// </summary>
public sealed class MeteredCall
{
    private readonly TokenLedger ledger;

    private MeteredCall(TokenLedger ledger, TokenReservation reservation, long promptTokens)
    {
        this.ledger = ledger;
        Reservation = reservation;
        PromptTokens = promptTokens;
    }

    /// <summary>The reservation held (or the refusal, when not <see cref="Granted"/>).</summary>
    public TokenReservation Reservation { get; }

    /// <summary>The grant or refusal: granted max output tokens, whether they were shrunk, the limiting scope.</summary>
    public ReservationDecision Decision => Reservation.Decision;

    public bool Granted => Reservation.Granted;

    /// <summary>The prompt tokens as counted before the call (what an estimate charges at least).</summary>
    public long PromptTokens { get; }

    /// <summary>
    /// Reserves <paramref name="promptTokens"/> plus up to <paramref name="maxOutputTokens"/> against the phase and its
    /// run, in one transaction (fenced by the ledger's lease fence). Refused when fewer than
    /// <paramref name="minUsefulOutputTokens"/> output tokens fit: then <see cref="Granted"/> is false and nothing is held.
    /// </summary>
    public static async Task<MeteredCall> ReserveAsync(
        TokenLedger ledger,
        string runId,
        string phaseId,
        string ownerId,
        long promptTokens,
        long maxOutputTokens,
        long minUsefulOutputTokens,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var reservation = await ledger.ReserveAsync(runId, phaseId, promptTokens, maxOutputTokens, minUsefulOutputTokens, ownerId, cancellationToken)
            .ConfigureAwait(false);
        return new MeteredCall(ledger, reservation, promptTokens);
    }

    /// <summary>
    /// Replaces the reservation by the call's usage row (charged no more than reserved). Not cancellable: a call that
    /// reached the provider is recorded even when its caller has gone.
    /// </summary>
    public async Task<SettlementResult> SettleAsync(UsageRecord usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        EnsureGranted();
        try
        {
            return await ledger.SettleAsync(Reservation, usage, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception first) when (first is not OutOfMemoryException)
        {
            // A busy or briefly failing database: once more, then give the reservation back so nothing stays held.
            try
            {
                return await ledger.SettleAsync(Reservation, usage, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception second) when (second is not OutOfMemoryException)
            {
                await ledger.ReleaseAsync(Reservation, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Settles to an estimate, marked <c>estimated</c>: the counted prompt (or the prompt the provider reported before
    /// the call broke off, <paramref name="reportedPromptTokens"/>, when larger) plus <paramref name="completionTokens"/>
    /// (what was counted of the output seen, 0 when none was), clamped to the reservation like any settle.
    /// </summary>
    public Task<SettlementResult> SettleEstimateAsync(
        string phaseName, string provider, string model, string role, long completionTokens = 0, long? reportedPromptTokens = null) =>
        SettleAsync(new UsageRecord(phaseName, provider, model, role, Math.Max(PromptTokens, reportedPromptTokens ?? 0), Math.Max(0, completionTokens))
        {
            Estimated = true,
        });

    /// <summary>Gives the reservation back: nothing was billed (an error status, no connection, a cancel before sending). Idempotent.</summary>
    public Task ReleaseAsync() => ledger.ReleaseAsync(Reservation, CancellationToken.None);

    private void EnsureGranted()
    {
        if (!Granted)
        {
            throw new InvalidOperationException("a refused call has nothing to settle");
        }
    }
}
