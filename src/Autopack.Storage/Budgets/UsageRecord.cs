namespace Autopack.Storage.Budgets;

/// <summary>What a provider reported for one call, to be written to <c>llm_usage_events</c>.</summary>
public sealed record UsageRecord(string PhaseName, string Provider, string Model, string Role, long PromptTokens, long CompletionTokens);
