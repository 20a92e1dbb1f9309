namespace Autopack.Domain.Runs;

/// <summary>The states of a phase, stored in <c>phases.status</c> by their SPEC names (see <see cref="StatusNames"/>).</summary>
public enum PhaseStatus
{
    Queued,
    Executing,
    CiRunning,
    Gate,
    Complete,
    Failed,
    TimedOut,
    Skipped,
    BudgetExceeded,
}
