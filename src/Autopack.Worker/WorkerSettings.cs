using Autopack.Storage;

namespace Autopack.Worker;

/// <summary>
/// What a worker runs with: the storage settings its executors share (the database, the lease stale age that decides
/// when a dead worker's runs are taken over) and how often it beats (the executors' AUTOPACK_HEARTBEAT_SECONDS).
/// </summary>
public sealed record WorkerSettings(StorageSettings Storage, int HeartbeatSeconds = 2);
