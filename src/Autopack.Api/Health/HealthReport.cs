using Autopack.Api.Alerts;

namespace Autopack.Api.Health;

/// <summary>
/// The body of GET /health (snake_case on the wire). <see cref="Status"/> is <c>ok</c>, <c>degraded</c> (alerts
/// are active or the disk is nearly full) or <c>unhealthy</c> (the database is unreachable or not migrated;
/// answered with 503).
/// </summary>
public sealed record HealthReport(
    string Status,
    string? StatusReason,
    string BindAddress,
    int Port,
    string DatabaseIdentity,
    IReadOnlyDictionary<string, BreakerHealth> CircuitBreakers,
    DbPoolHealth DbPoolHealth,
    double DbSizeMb,
    double? DiskFreeGb,
    long UptimeSeconds,
    SchemaVersionView SchemaVersion,
    IReadOnlyList<ExecutorHealth> Executors,
    RateLimiterHealth RateLimiter,
    IReadOnlyList<Alert> Alerts,
    DateTime CheckedAt)
{
    public const string Ok = "ok";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";
}
