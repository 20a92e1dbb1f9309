namespace Autopack.Domain.Runs;

/// <summary>
/// The part of a phase that its transitions change: status, attempts used, when it first started and ended, why it
/// stopped, and the commit it became. <see cref="MoveTo"/> is the rule every store applies.
/// </summary>
public sealed record PhaseProgress(
    PhaseStatus Status, int Attempts, int MaxAttempts, DateTime? StartedAt, DateTime? FinishedAt, string? FailureReason, string? CommitSha)
{
    /// <summary>
    /// The phase after moving to <paramref name="to"/> at <paramref name="now"/>. QUEUED -> EXECUTING is a new attempt
    /// (and the first one sets the start); <paramref name="refundAttempt"/> uncounts the current attempt when it was
    /// interrupted (a stop, an executor's crash) rather than failed, so interruptions never use up attempts. A
    /// terminal status sets the end; <paramref name="reason"/> is kept, and COMPLETE without one clears it;
    /// <paramref name="commitSha"/> is the commit an approved attempt became.
    /// </summary>
    /// <exception cref="IllegalTransitionException">The state machine does not allow the move.</exception>
    public PhaseProgress MoveTo(
        string phaseId, PhaseStatus to, DateTime now, string? reason = null, bool refundAttempt = false, string? commitSha = null)
    {
        PhaseTransitions.Ensure(phaseId, Status, to);
        var next = this with { Status = to };
        if (Status == PhaseStatus.Queued && to == PhaseStatus.Executing)
        {
            next = next with { Attempts = Attempts + 1, StartedAt = StartedAt ?? now };
        }

        if (refundAttempt && next.Attempts > 0)
        {
            next = next with { Attempts = next.Attempts - 1 };
        }

        if (PhaseTransitions.IsTerminal(to))
        {
            next = next with { FinishedAt = now };
        }

        if (reason is not null)
        {
            next = next with { FailureReason = reason };
        }
        else if (to == PhaseStatus.Complete)
        {
            next = next with { FailureReason = null };
        }

        return commitSha is null ? next : next with { CommitSha = commitSha };
    }

    /// <summary>
    /// The <c>phase_status</c> event's text for the move from <paramref name="from"/> to this state: the statuses,
    /// the attempt when one starts, the commit's short sha, and the reason.
    /// </summary>
    public string DescribeMoveFrom(PhaseStatus from, string? reason, string? commitSha) =>
        $"{from.ToName()} -> {Status.ToName()}"
        + (Status == PhaseStatus.Executing ? $" (attempt {Attempts}/{MaxAttempts})" : string.Empty)
        + (commitSha is null ? string.Empty : $" as commit {commitSha[..Math.Min(12, commitSha.Length)]}")
        + (reason is null ? string.Empty : $": {reason}");
}
