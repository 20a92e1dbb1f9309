namespace Autopack.Domain.Runs;

/// <summary>The states of a run, stored in <c>runs.status</c> by their SPEC names (see <see cref="StatusNames"/>).</summary>
public enum RunStatus
{
    Queued,
    Executing,
    Paused,
    DoneSuccess,
    DoneFailed,
    Aborted,
    BudgetExceeded,
}
