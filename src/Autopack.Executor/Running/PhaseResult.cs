namespace Autopack.Executor.Running;

/// <summary>How a phase ended for the run loop.</summary>
public enum PhaseResultKind
{
    Complete,
    Failed,
    PhaseBudgetExceeded,
    RunBudgetExceeded,
    Stopped,
    Aborted,
    LeaseLost,
}

/// <summary>A phase's result with its reason.</summary>
public sealed record PhaseResult(PhaseResultKind Kind, string? Reason = null);
