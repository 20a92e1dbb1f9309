namespace Autopack.Cli;

/// <summary>A command failed for a reason the operator can act on; printed as one line, exit code <see cref="ExitCode"/>.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
