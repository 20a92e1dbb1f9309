namespace Autopack.Storage.Leases;

/// <summary>The answer to an executor asking for a run's lease.</summary>
public sealed record LeaseOutcome(bool Acquired, bool TookOverStale, string? HolderOwnerId, int? HolderPid, string? HolderHost, TimeSpan? HolderHeartbeatAge);
