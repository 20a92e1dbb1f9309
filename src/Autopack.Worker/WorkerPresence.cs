namespace Autopack.Worker;

/// <summary>Tells the heartbeat when the worker's row exists, so it never beats for a worker not yet registered.</summary>
public sealed class WorkerPresence
{
    private readonly TaskCompletionSource registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Registered => registered.Task;

    public void MarkRegistered() => registered.TrySetResult();
}
