using Autopack.Storage.Entities;

namespace Autopack.Api.Breakers;

/// <summary>A circuit breaker as the executors last published it, and whether a reset is pending.</summary>
public sealed record BreakerView(
    string Name, string State, int FailureCount, DateTime? OpenedAt, DateTime UpdatedAt, string? ReportedBy, DateTime? ResetRequestedAt, bool ResetPending)
{
    public static BreakerView From(CircuitBreakerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new BreakerView(row.Name, row.State, row.FailureCount, row.OpenedAt, row.UpdatedAt, row.ReportedBy, row.ResetRequestedAt, row.ResetPending);
    }
}
