namespace Autopack.Api.Queue;

/// <summary>The answer to POST /runs/{run_id}/requeue: the run is QUEUED again; stop requests it superseded.</summary>
public sealed record RequeueView(string RunId, string Status, int SupersededStopRequests);
