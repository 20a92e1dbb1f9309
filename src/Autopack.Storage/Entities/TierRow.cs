namespace Autopack.Storage.Entities;

/// <summary>A row of <c>tiers</c>.</summary>
public sealed class TierRow
{
    public long TierId { get; set; }

    public required string RunId { get; set; }

    public required string Name { get; set; }

    public int Position { get; set; }
}
