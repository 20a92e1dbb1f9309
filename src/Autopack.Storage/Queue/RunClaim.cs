namespace Autopack.Storage.Queue;

/// <summary>
/// A run a worker claimed (a row of <c>run_claims</c>): from QUEUED, or taken over from a dead holder
/// (<see cref="ClaimedStatus"/> EXECUTING, <see cref="TakenOverFrom"/> naming the silent worker when there was one).
/// </summary>
public sealed record RunClaim(long Id, string RunId, string WorkerId, string ClaimedStatus, DateTime ClaimedAt, string? TakenOverFrom);
