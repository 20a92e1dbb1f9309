namespace Autopack.Storage.Queue;

/// <summary>The answer to a worker asking for a run: the claim, or why there is none (dispatch off, limit reached, nothing queued...).</summary>
public sealed record ClaimAttempt(RunClaim? Claim, string Reason)
{
    public static ClaimAttempt None(string reason) => new(null, reason);
}
