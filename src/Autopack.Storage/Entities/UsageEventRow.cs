namespace Autopack.Storage.Entities;

/// <summary>A row of <c>llm_usage_events</c>: one provider call.</summary>
public sealed class UsageEventRow
{
    public long Id { get; set; }

    public required string RunId { get; set; }

    public required string PhaseId { get; set; }

    public required string PhaseName { get; set; }

    public required string Provider { get; set; }

    public required string Model { get; set; }

    public required string Role { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    /// <summary>The tokens are an estimate (the attempt may have been billed without a usage answer), not the provider's report.</summary>
    public bool Estimated { get; set; }

    public DateTime CreatedAt { get; set; }
}
