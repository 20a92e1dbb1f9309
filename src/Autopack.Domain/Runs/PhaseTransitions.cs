namespace Autopack.Domain.Runs;

/// <summary>
/// The phase state machine. An attempt goes EXECUTING (builder) -> CI_RUNNING (verify) -> GATE (auditor) -> COMPLETE.
/// A rejected, timed-out or interrupted attempt goes back to QUEUED for the next one; a QUEUED phase that cannot
/// start (no attempts left) fails.
/// </summary>
public static class PhaseTransitions
{
    private static readonly PhaseStatus[] InFlightExits =
        [PhaseStatus.Failed, PhaseStatus.TimedOut, PhaseStatus.BudgetExceeded, PhaseStatus.Queued];

    private static readonly Dictionary<PhaseStatus, PhaseStatus[]> Allowed = new()
    {
        [PhaseStatus.Queued] = [PhaseStatus.Executing, PhaseStatus.Skipped, PhaseStatus.BudgetExceeded, PhaseStatus.Failed],
        [PhaseStatus.Executing] = [PhaseStatus.CiRunning, PhaseStatus.Gate, .. InFlightExits],
        [PhaseStatus.CiRunning] = [PhaseStatus.Gate, .. InFlightExits],
        [PhaseStatus.Gate] = [PhaseStatus.Complete, .. InFlightExits],
        [PhaseStatus.TimedOut] = [PhaseStatus.Queued, PhaseStatus.Failed],
        [PhaseStatus.Complete] = [],
        [PhaseStatus.Failed] = [],
        [PhaseStatus.Skipped] = [],
        [PhaseStatus.BudgetExceeded] = [],
    };

    public static bool IsAllowed(PhaseStatus from, PhaseStatus to) => Allowed[from].Contains(to);

    public static bool IsTerminal(PhaseStatus status) => Allowed[status].Length == 0;

    /// <summary>EXECUTING, CI_RUNNING and GATE: an attempt is under way.</summary>
    public static bool IsInFlight(PhaseStatus status) =>
        status is PhaseStatus.Executing or PhaseStatus.CiRunning or PhaseStatus.Gate;

    /// <summary>Returns <paramref name="to"/> or throws <see cref="IllegalTransitionException"/>.</summary>
    public static PhaseStatus Ensure(string phaseId, PhaseStatus from, PhaseStatus to) =>
        IsAllowed(from, to) ? to : throw new IllegalTransitionException($"phase {phaseId}", from.ToName(), to.ToName());
}
