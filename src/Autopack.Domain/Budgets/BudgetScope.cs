namespace Autopack.Domain.Budgets;

/// <summary>Which cap a budget decision is about.</summary>
public enum BudgetScope
{
    Phase,
    Run,
}
