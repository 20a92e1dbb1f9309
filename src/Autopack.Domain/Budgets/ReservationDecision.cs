namespace Autopack.Domain.Budgets;

/// <summary>
/// The outcome of <see cref="TokenBudget.TryReserve"/>: either a grant of <see cref="PromptTokens"/> plus
/// <see cref="MaxOutputTokens"/> (possibly shrunk to the headroom), or a refusal naming the cap that ran out.
/// </summary>
public sealed record ReservationDecision(bool Granted, long PromptTokens, long MaxOutputTokens, BudgetScope? LimitingScope, string? Reason)
{
    /// <summary>Prompt plus granted output: the worst case this call can cost.</summary>
    public long ReservedTokens => Granted ? PromptTokens + MaxOutputTokens : 0;

    /// <summary>True when the output was cut below what the caller asked for.</summary>
    public bool Shrunk { get; init; }

    public static ReservationDecision Refuse(BudgetScope scope, string reason) => new(false, 0, 0, scope, reason);
}
