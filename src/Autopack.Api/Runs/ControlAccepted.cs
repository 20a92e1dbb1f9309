namespace Autopack.Api.Runs;

/// <summary>
/// The body of a 202 from stop, abort and timeout: the stored request's id, the control file written and what it
/// holds. The executor acts on it, consumes it and records it in events. An abort for a run that no executor held
/// ends the run at once: <c>run_status</c> is then <c>ABORTED</c> and no file is written.
/// </summary>
public sealed record ControlAccepted(string Command, string TargetId, string? ControlFile, string Content, long? RequestId, string? RunStatus);
