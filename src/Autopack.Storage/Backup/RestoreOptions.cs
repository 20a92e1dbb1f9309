namespace Autopack.Storage.Backup;

/// <summary>
/// <see cref="Force"/> allows replacing an installation that already holds runs; a lease whose heartbeat is younger
/// than <see cref="LeaseStaleAfter"/> (AUTOPACK_LEASE_STALE_SECONDS) means an executor is alive and refuses the restore.
/// </summary>
public sealed record RestoreOptions(bool Force, TimeSpan LeaseStaleAfter);
