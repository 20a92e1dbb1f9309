namespace Autopack.Storage.Queue;

/// <summary>The states a worker records in <c>workers.state</c>.</summary>
public static class WorkerStates
{
    /// <summary>Claiming runs (when dispatch allows) and executing them.</summary>
    public const string Running = "RUNNING";

    /// <summary>Received SIGTERM: claims nothing more, waits for its executors to stop gracefully.</summary>
    public const string Stopping = "STOPPING";
}
