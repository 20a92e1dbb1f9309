namespace Autopack.Storage.Runtime;

/// <summary>
/// The outcome of asking for a stop, abort or timeout: the stored request, the run ended at once (an abort for a run
/// that no executor holds), or why nothing was done.
/// </summary>
public sealed record ControlRequestResult(ControlCommand Command, string RunId, string? AlreadyEnded, long? RequestId = null, bool EndedNow = false)
{
    /// <summary>True when the request was stored (its executor acts on it, unless it took effect at once).</summary>
    public bool Accepted => AlreadyEnded is null;
}
