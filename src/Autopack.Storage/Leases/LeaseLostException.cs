namespace Autopack.Storage.Leases;

/// <summary>A fenced write was refused: the executor no longer holds its run's lease.</summary>
public sealed class LeaseLostException(string runId, string ownerId)
    : Exception($"executor {ownerId} no longer holds the lease of run {runId}; the write was refused")
{
    public string RunId { get; } = runId;
}
