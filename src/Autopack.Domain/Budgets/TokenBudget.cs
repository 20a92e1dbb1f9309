namespace Autopack.Domain.Budgets;

/// <summary>
/// The token-budget rules of the SPEC as pure functions: reserve the worst case against the phase and the run,
/// shrink max output to the headroom, refuse when nothing useful is left, settle to the reported usage.
/// </summary>
public static class TokenBudget
{
    /// <summary>Share of a cap at which a warning event is recorded.</summary>
    /// <summary>The share of a cap at which usage is warned of (a <c>budget_warning</c> event, an alert): 80%.</summary>
    public const int WarningPercent = 80;

    public const double WarningFraction = WarningPercent / 100.0;

    /// <summary>
    /// Decides a reservation for a call whose prompt counts <paramref name="promptTokens"/> and that asks for up to
    /// <paramref name="maxOutputTokens"/>. The grant fits both ledgers' headroom; it is refused when fewer than
    /// <paramref name="minUsefulOutputTokens"/> output tokens would be left.
    /// </summary>
    public static ReservationDecision TryReserve(
        BudgetLedger phase,
        BudgetLedger run,
        long promptTokens,
        long maxOutputTokens,
        long minUsefulOutputTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOutputTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minUsefulOutputTokens);

        // A tie goes to the run: when both are exhausted together the run is at its cap, and the SPEC stops it as BUDGET_EXCEEDED.
        var limiting = run.Headroom <= phase.Headroom ? BudgetScope.Run : BudgetScope.Phase;
        var headroom = Math.Min(phase.Headroom, run.Headroom);
        var outputRoom = headroom - promptTokens;
        var floor = Math.Min(minUsefulOutputTokens, maxOutputTokens);
        if (outputRoom < floor)
        {
            var scopeName = limiting == BudgetScope.Phase ? "phase" : "run";
            return ReservationDecision.Refuse(
                limiting,
                $"{scopeName} budget exhausted: {headroom} tokens free, the call needs {promptTokens} prompt + at least {floor} output");
        }

        var output = Math.Min(maxOutputTokens, outputRoom);
        return new ReservationDecision(true, promptTokens, output, output < maxOutputTokens ? limiting : null, null)
        {
            Shrunk = output < maxOutputTokens,
        };
    }

    /// <summary>
    /// Charges a finished call: what the provider reported, capped at what was reserved. A provider that counts
    /// more than we reserved (its tokenizer differs from ours) cannot push recorded usage past a cap; the excess
    /// is returned as <see cref="SettledUsage.OverrunTokens"/>.
    /// </summary>
    public static SettledUsage Settle(ReservationDecision reservation, long reportedPrompt, long reportedCompletion)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (!reservation.Granted)
        {
            throw new InvalidOperationException("cannot settle a refused reservation");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(reportedPrompt);
        ArgumentOutOfRangeException.ThrowIfNegative(reportedCompletion);

        var reserved = reservation.ReservedTokens;
        var reported = reportedPrompt + reportedCompletion;
        if (reported <= reserved)
        {
            return new SettledUsage(reportedPrompt, reportedCompletion, 0);
        }

        var prompt = Math.Min(reportedPrompt, reserved);
        return new SettledUsage(prompt, reserved - prompt, reported - reserved);
    }

    /// <summary>True when going from <paramref name="before"/> to <paramref name="after"/> used tokens crosses 80% of the cap.</summary>
    public static bool CrossesWarning(long cap, long before, long after) =>
        cap > 0 && before < cap * WarningFraction && after >= cap * WarningFraction;
}
