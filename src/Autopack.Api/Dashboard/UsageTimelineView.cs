namespace Autopack.Api.Dashboard;

/// <summary>
/// GET /dashboard/api/usage-over-time: token usage in equal buckets from <see cref="From"/> to <see cref="To"/>, every
/// bucket present (zero when nothing was recorded), for all runs or one.
/// </summary>
public sealed record UsageTimelineView(
    string Window,
    string? RunId,
    DateTime From,
    DateTime To,
    int BucketSeconds,
    long TotalTokens,
    long TotalCalls,
    IReadOnlyList<UsagePointView> Points);
