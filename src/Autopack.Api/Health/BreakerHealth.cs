namespace Autopack.Api.Health;

/// <summary>A circuit breaker as the executors last published it.</summary>
public sealed record BreakerHealth(string State, int FailureCount, DateTime? OpenedAt, DateTime UpdatedAt, string? ReportedBy, bool ResetRequested);
