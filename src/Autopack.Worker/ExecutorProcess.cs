using System.Diagnostics;
using Autopack.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Autopack.Worker;

/// <summary>
/// One <c>autopack execute --run-id</c> started by the worker for a claim. It stays in the worker's process group
/// (no <c>setsid</c>), so a signal to the group (a terminal's Ctrl+C, a kill of the whole group) reaches it too. Its
/// output lines go to the worker's log, prefixed with the run id.
/// </summary>
internal sealed class ExecutorProcess : IDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExecutorProcess(Process process, RunClaim claim)
    {
        this.process = process;
        Claim = claim;
    }

    public RunClaim Claim { get; }

    public int Pid => process.Id;

    /// <summary>Completes when the executor has exited (whatever its output pipes still hold).</summary>
    public Task Exited => exited.Task;

    public bool HasExited => exited.Task.IsCompleted;

    public int ExitCode => process.ExitCode;

    /// <summary>Whether the worker asked it to stop (SIGTERM on the worker's own shutdown).</summary>
    public bool StoppedByWorker { get; private set; }

    /// <exception cref="System.ComponentModel.Win32Exception">the program could not be started.</exception>
    public static ExecutorProcess Start(WorkerOptions options, RunClaim claim, string workerId, ILogger logger)
    {
        var info = new ProcessStartInfo(options.Launcher.Program)
        {
            WorkingDirectory = options.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in options.Launcher.ExecuteArguments(claim.RunId))
        {
            info.ArgumentList.Add(argument);
        }

        // Informational (the executor's log and its environment say which worker started it); settings are inherited.
        info.Environment["AUTOPACK_WORKER_ID"] = workerId;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ExecutorProcess(process, claim);
        process.Exited += (_, _) => child.exited.TrySetResult();
        process.OutputDataReceived += (_, e) => Forward(logger, claim.RunId, e.Data, LogLevel.Information);
        process.ErrorDataReceived += (_, e) => Forward(logger, claim.RunId, e.Data, LogLevel.Warning);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            child.exited.TrySetResult();
        }

        return child;
    }

    /// <summary>SIGTERM: the executor interrupts its current step, records the run PAUSED and exits 0.</summary>
    public void Terminate()
    {
        StoppedByWorker = true;
        if (!HasExited)
        {
            WorkerSignals.Terminate(process.Id);
        }
    }

    public void Dispose() => process.Dispose();

    private static void Forward(ILogger logger, string runId, string? line, LogLevel level)
    {
        if (!string.IsNullOrEmpty(line))
        {
            logger.Log(level, "[{RunId}] {Line}", runId, line);
        }
    }
}
