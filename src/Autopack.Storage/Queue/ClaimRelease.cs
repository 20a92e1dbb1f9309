namespace Autopack.Storage.Queue;

/// <summary>What releasing a claim found and did: the run's status afterwards, whether it went back to the queue, the outcome recorded.</summary>
public sealed record ClaimRelease(string? RunStatus, bool Requeued, bool WasTakenOver, string Outcome, DateTime? RetryAfter);
