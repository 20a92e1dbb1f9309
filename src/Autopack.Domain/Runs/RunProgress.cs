namespace Autopack.Domain.Runs;

/// <summary>
/// The part of a run that its transitions change: status, when it first started, when it ended, and why it stopped.
/// <see cref="MoveTo"/> is the rule every store applies, whatever writes the row.
/// </summary>
public sealed record RunProgress(RunStatus Status, DateTime? StartedAt, DateTime? FinishedAt, string? FailureReason)
{
    /// <summary>
    /// The run after moving to <paramref name="to"/> at <paramref name="now"/>: EXECUTING sets the start (first time
    /// only) and clears the reason; a terminal status sets the end; any other move keeps <paramref name="reason"/>.
    /// </summary>
    /// <exception cref="IllegalTransitionException">The state machine does not allow the move.</exception>
    public RunProgress MoveTo(string runId, RunStatus to, string? reason, DateTime now)
    {
        RunTransitions.Ensure(runId, Status, to);
        var next = this with { Status = to };
        if (to == RunStatus.Executing)
        {
            next = next with { StartedAt = StartedAt ?? now, FailureReason = null };
        }

        if (RunTransitions.IsTerminal(to))
        {
            next = next with { FinishedAt = now };
        }

        if (reason is not null && to != RunStatus.Executing)
        {
            next = next with { FailureReason = reason };
        }

        return next;
    }

    /// <summary>The <c>run_status</c> event's text: <c>QUEUED -> EXECUTING</c>, with the reason when there is one.</summary>
    public static string Describe(RunStatus from, RunStatus to, string? reason) =>
        $"{from.ToName()} -> {to.ToName()}" + (reason is null ? string.Empty : $": {reason}");
}
