namespace Autopack.Domain.Budgets;

/// <summary>
/// One cap's books: what has been used (settled provider calls) and what is reserved by calls in flight.
/// Immutable; every operation returns the next ledger.
/// </summary>
public readonly record struct BudgetLedger(long Cap, long Used, long Reserved)
{
    /// <summary>Tokens still free for a new reservation.</summary>
    public long Headroom => Math.Max(0, Cap - Used - Reserved);

    public BudgetLedger Reserve(long tokens) => this with { Reserved = Reserved + tokens };

    /// <summary>Replaces a reservation by what was charged (never more than was reserved).</summary>
    public BudgetLedger Settle(long reserved, long charged)
    {
        if (charged > reserved)
        {
            throw new ArgumentOutOfRangeException(nameof(charged), "a settlement never charges more than its reservation");
        }

        return this with { Reserved = Reserved - reserved, Used = Used + charged };
    }

    public BudgetLedger Release(long reserved) => this with { Reserved = Reserved - reserved };

    /// <summary>Share of the cap used, reservations excluded (0..1).</summary>
    public double UsedFraction => Cap <= 0 ? 1.0 : (double)Used / Cap;
}
