namespace Autopack.Executor.Running;

/// <summary>The outcome of a phase's verify command: exit code (null when it timed out) and the tail of its output.</summary>
public sealed record VerifyResult(int? ExitCode, bool TimedOut, string OutputTail, TimeSpan Duration)
{
    public bool Passed => ExitCode == 0;

    public string Describe(string command) => TimedOut
        ? $"verify `{command}` timed out after {Duration.TotalSeconds:F0}s"
        : $"verify `{command}` exited {ExitCode}";
}
