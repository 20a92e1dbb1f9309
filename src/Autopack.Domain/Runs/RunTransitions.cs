namespace Autopack.Domain.Runs;

/// <summary>
/// The run state machine. Terminal states have no way out; PAUSED resumes to EXECUTING (an executor started on it) or
/// goes back to QUEUED for the workers (an operator's requeue, or a worker's shutdown that paused it; ADR-032).
/// </summary>
public static class RunTransitions
{
    private static readonly Dictionary<RunStatus, RunStatus[]> Allowed = new()
    {
        [RunStatus.Queued] = [RunStatus.Executing, RunStatus.Aborted],
        [RunStatus.Executing] = [RunStatus.Paused, RunStatus.DoneSuccess, RunStatus.DoneFailed, RunStatus.Aborted, RunStatus.BudgetExceeded],
        [RunStatus.Paused] = [RunStatus.Executing, RunStatus.Aborted, RunStatus.Queued],
        [RunStatus.DoneSuccess] = [],
        [RunStatus.DoneFailed] = [],
        [RunStatus.Aborted] = [],
        [RunStatus.BudgetExceeded] = [],
    };

    public static bool IsAllowed(RunStatus from, RunStatus to) => Allowed[from].Contains(to);

    public static bool IsTerminal(RunStatus status) => Allowed[status].Length == 0;

    /// <summary>Returns <paramref name="to"/> or throws <see cref="IllegalTransitionException"/>.</summary>
    public static RunStatus Ensure(string runId, RunStatus from, RunStatus to) =>
        IsAllowed(from, to) ? to : throw new IllegalTransitionException($"run {runId}", from.ToName(), to.ToName());
}
