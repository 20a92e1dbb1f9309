namespace Autopack.Storage.Entities;

/// <summary>A row of <c>executor_leases</c>: the executor that holds a run, and when it last said it was alive.</summary>
public sealed class ExecutorLeaseRow
{
    public required string RunId { get; set; }

    public required string OwnerId { get; set; }

    public int Pid { get; set; }

    public required string Host { get; set; }

    public DateTime AcquiredAt { get; set; }

    public DateTime HeartbeatAt { get; set; }
}
