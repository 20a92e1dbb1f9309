namespace Autopack.Executor.Hosting;

/// <summary>Who this executor is, as written into its lease: a unique owner id, the process id and the host.</summary>
public sealed record ExecutorIdentity(string RunId, string OwnerId, int Pid, string Host)
{
    public static ExecutorIdentity ForCurrentProcess(string runId) =>
        new(runId, Guid.NewGuid().ToString("N"), Environment.ProcessId, Environment.MachineName);
}
