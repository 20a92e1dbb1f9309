namespace Autopack.Worker;

/// <summary>How the worker ended: its exit code and a one-line summary (runs started, requeued, left stopping).</summary>
public sealed class WorkerOutcome
{
    private bool failed;

    public int ExitCode { get; private set; } = 1;

    public string Message { get; private set; } = "worker stopped before it registered";

    /// <summary>A failure: kept whatever is reported after it.</summary>
    public void Fail(string message)
    {
        failed = true;
        ExitCode = 1;
        Message = message;
    }

    /// <summary>A graceful end, unless a failure was reported first.</summary>
    public void Stopped(string message)
    {
        if (!failed)
        {
            ExitCode = 0;
            Message = message;
        }
    }
}
