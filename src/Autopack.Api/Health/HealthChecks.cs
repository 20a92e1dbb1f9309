using Autopack.Api.Alerts;
using Autopack.Api.Database;

namespace Autopack.Api.Health;

/// <summary>
/// The expensive part of GET /health, checked at most once per <see cref="HealthReporter.CacheFor"/>: the database
/// probe, what the executors published (breakers, leases), the database alerts, and the file sizes.
/// </summary>
public sealed record HealthChecks(
    DatabaseStatus Database,
    IReadOnlyDictionary<string, BreakerHealth> Breakers,
    IReadOnlyList<ExecutorHealth> Executors,
    IReadOnlyList<Alert> DatabaseAlerts,
    string? ReadError,
    double SizeMb,
    double? DiskFreeGb);
