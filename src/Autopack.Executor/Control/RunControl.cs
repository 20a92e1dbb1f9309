namespace Autopack.Executor.Control;

/// <summary>
/// The executor's switchboard for operator commands. Stop and abort cancel the run's token at once (stop then
/// records the run PAUSED, abort ABORTED); a timeout cancels only the current attempt of the named phase.
/// </summary>
public sealed class RunControl : IDisposable
{
    private readonly CancellationTokenSource run = new();
    private readonly TaskCompletionSource leaseHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock gate = new();
    private AttemptScope? current;
    private int request;
    private HashSet<string> phaseIds = new(StringComparer.Ordinal);

    public CancellationToken RunToken => run.Token;

    public ControlRequest Request => (ControlRequest)Volatile.Read(ref request);

    /// <summary>Completes when this executor holds the run's lease; control files are not read before that.</summary>
    public Task LeaseHeld => leaseHeld.Task;

    /// <summary>True when the lease was lost to another executor; nothing more may be written for the run.</summary>
    public bool LeaseLost { get; private set; }

    public void MarkLeaseHeld(IEnumerable<string> runPhaseIds)
    {
        lock (gate)
        {
            phaseIds = new HashSet<string>(runPhaseIds, StringComparer.Ordinal);
        }

        leaseHeld.TrySetResult();
    }

    public bool OwnsPhase(string phaseId)
    {
        lock (gate)
        {
            return phaseIds.Contains(phaseId);
        }
    }

    public AttemptScope BeginAttempt(string phaseId)
    {
        lock (gate)
        {
            current = new AttemptScope(phaseId, run.Token, scope =>
            {
                lock (gate)
                {
                    if (ReferenceEquals(current, scope))
                    {
                        current = null;
                    }
                }
            });
            return current;
        }
    }

    public void RequestStop()
    {
        Interlocked.CompareExchange(ref request, (int)ControlRequest.Stop, (int)ControlRequest.None);
        run.Cancel();
    }

    public void RequestAbort()
    {
        Interlocked.Exchange(ref request, (int)ControlRequest.Abort);
        run.Cancel();
    }

    public void MarkLeaseLost()
    {
        LeaseLost = true;
        RequestAbort();
    }

    /// <summary>Times out the named phase's current attempt; false when that phase is not executing now.</summary>
    public bool RequestTimeout(string phaseId)
    {
        lock (gate)
        {
            if (current is null || current.PhaseId != phaseId)
            {
                return false;
            }

            current.TimeOut();
            return true;
        }
    }

    /// <summary>Carries out a parsed control command at once; says what it did, as recorded.</summary>
    public string Apply(Storage.Runtime.ControlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        switch (command.Kind)
        {
            case Storage.Runtime.ControlKind.Abort:
                RequestAbort();
                return "aborting now";
            case Storage.Runtime.ControlKind.Stop:
                RequestStop();
                return "stopping (run will be PAUSED)";
            default:
                return RequestTimeout(command.TargetId)
                    ? "phase attempt cancelled (TIMED_OUT)"
                    : "no effect: the phase is not executing";
        }
    }

    public void Dispose() => run.Dispose();
}
