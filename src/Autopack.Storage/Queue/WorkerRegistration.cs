namespace Autopack.Storage.Queue;

/// <summary>Who a worker is, as written into <c>workers</c>: a unique id, its host and pid, how many runs it executes at once.</summary>
public sealed record WorkerRegistration(string WorkerId, string Host, int Pid, int Concurrency);
