namespace Autopack.Workspace.Processes;

/// <summary>The outcome of one command: its exit code (null when it timed out), the tail of its interleaved
/// stdout and stderr (starting with a note saying how much was cut, when it was), and how long it ran.</summary>
public sealed record CommandResult(int? ExitCode, bool TimedOut, string Output, bool OutputTruncated, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>How many characters of output were cut from the front to keep the tail.</summary>
    public long OmittedChars { get; init; }
}
