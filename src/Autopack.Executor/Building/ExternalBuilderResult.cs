using Autopack.Gateway;

namespace Autopack.Executor.Building;

/// <summary>
/// How an external builder's attempt ended: its exit code (null when it was killed at its timeout), the tail of its
/// output (what the auditor is shown as the builder's summary), and what it did through the metered endpoint.
/// </summary>
public sealed record ExternalBuilderResult(int? ExitCode, bool TimedOut, string OutputTail, bool OutputTruncated, TimeSpan Duration, AttemptUsage Usage)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
