namespace Autopack.Executor.Hosting;

/// <summary>How the executor ended: its exit code and a one-line reason.</summary>
public sealed class ExecutorOutcome
{
    public int ExitCode { get; private set; } = 1;

    public string Message { get; private set; } = "executor stopped before driving the run";

    public void Set(int exitCode, string message)
    {
        ExitCode = exitCode;
        Message = message;
    }
}
