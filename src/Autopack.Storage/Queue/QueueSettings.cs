namespace Autopack.Storage.Queue;

/// <summary>
/// The one row of <c>queue_settings</c>: whether workers may claim runs (<see cref="Dispatch"/>), the mode, and the
/// most runs executing at once across all workers (<see cref="ExecutingLimit"/>; null: only each worker's concurrency).
/// </summary>
public sealed record QueueSettings(bool Dispatch, QueueMode Mode, int? ExecutingLimit, DateTime UpdatedAt, string? UpdatedBy)
{
    /// <summary>The largest executing_limit accepted (a typo guard; far above any real installation).</summary>
    public const int MaxExecutingLimit = 100_000;

    /// <summary>Whether workers may claim runs now: dispatch on and mode NORMAL.</summary>
    public bool AcceptsClaims => Dispatch && Mode == QueueMode.Normal;

    /// <summary>Why no run can be dispatched (for /ready, GET /queue and the CLI); null when dispatch is possible.</summary>
    public string? ClaimRefusal => (Dispatch, Mode) switch
    {
        (_, QueueMode.Draining) => "the queue is DRAINING: running runs finish, nothing new starts (autopack drain --cancel, or POST /admin/mode NORMAL, resumes)",
        (false, _) => "dispatch is paused (autopack queue resume, or PATCH /queue {\"dispatch\": true}, resumes)",
        _ => null,
    };
}
