namespace Autopack.Storage.Entities;

/// <summary>A row of the append-only <c>events</c> trail.</summary>
public sealed class EventRow
{
    public long Id { get; set; }

    public string? RunId { get; set; }

    public string? PhaseId { get; set; }

    public required string Kind { get; set; }

    public required string Message { get; set; }

    public DateTime CreatedAt { get; set; }
}
