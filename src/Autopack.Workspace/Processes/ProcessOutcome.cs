namespace Autopack.Workspace.Processes;

/// <summary>How a process ended, without its output.</summary>
internal sealed record ProcessOutcome(int? ExitCode, bool TimedOut, TimeSpan Duration);
