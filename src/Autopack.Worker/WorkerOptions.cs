namespace Autopack.Worker;

/// <summary>What a worker is told on its command line, and the few timings it keeps.</summary>
public sealed record WorkerOptions(int Concurrency, string WorkingDirectory, ExecutorLauncher Launcher)
{
    public const int MaxConcurrency = 256;

    /// <summary>How often a worker with free slots asks for a run when the last answer was "none" (a finished executor wakes it at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a stopping worker waits for its executors to stop gracefully: below the 30 s that the command line
    /// gives any command after SIGTERM, and above the executor host's own 15 s shutdown timeout.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(25);
}
