namespace Autopack.Storage.Budgets;

/// <summary>What a provider reported for one call (or, when <see cref="Estimated"/>, what it may have billed), to be written to <c>llm_usage_events</c>.</summary>
public sealed record UsageRecord(string PhaseName, string Provider, string Model, string Role, long PromptTokens, long CompletionTokens)
{
    /// <summary>The provider gave no usage; the tokens are our estimate of what it may have billed.</summary>
    public bool Estimated { get; init; }
}
