namespace Autopack.Storage.Entities;

/// <summary>A row of <c>circuit_breakers</c>: a breaker's last published state and any pending reset request.</summary>
public sealed class CircuitBreakerRow
{
    public required string Name { get; set; }

    public required string State { get; set; }

    public int FailureCount { get; set; }

    public DateTime? OpenedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public string? ReportedBy { get; set; }

    /// <summary>The latest operator reset request (kept: every executor applies it once).</summary>
    public DateTime? ResetRequestedAt { get; set; }

    /// <summary>A reset was requested after the state was last published: no executor has applied it yet.</summary>
    public bool ResetPending => ResetRequestedAt is { } requested && requested > UpdatedAt;
}
