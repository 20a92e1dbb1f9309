namespace Autopack.Executor.Control;

/// <summary>
/// The cancellation scope of one phase attempt: cancelled by a forced timeout of this phase, or with the run
/// (stop, abort).
/// </summary>
public sealed class AttemptScope : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly Action<AttemptScope> onDispose;
    private int timedOut;

    internal AttemptScope(string phaseId, CancellationToken runToken, Action<AttemptScope> onDispose)
    {
        PhaseId = phaseId;
        source = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        this.onDispose = onDispose;
    }

    public string PhaseId { get; }

    public CancellationToken Token => source.Token;

    /// <summary>True once a forced timeout cancelled this attempt.</summary>
    public bool TimedOut => Volatile.Read(ref timedOut) == 1;

    internal void TimeOut()
    {
        Interlocked.Exchange(ref timedOut, 1);
        source.Cancel();
    }

    public void Dispose()
    {
        onDispose(this);
        source.Dispose();
    }
}
