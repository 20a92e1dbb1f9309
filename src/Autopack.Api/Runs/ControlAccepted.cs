namespace Autopack.Api.Runs;

/// <summary>
/// The body of a 202 from stop, abort and timeout: the control file written and what it holds. The executor
/// acts on it, consumes it and records it in events.
/// </summary>
public sealed record ControlAccepted(string Command, string TargetId, string ControlFile, string Content);
