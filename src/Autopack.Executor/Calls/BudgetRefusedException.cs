using Autopack.Domain.Budgets;

namespace Autopack.Executor.Calls;

/// <summary>A call was refused because its phase's or run's budget has nothing useful left.</summary>
public sealed class BudgetRefusedException(BudgetScope scope, string reason) : Exception(reason)
{
    public BudgetScope Scope { get; } = scope;
}
