namespace Autopack.Api.Runs;

/// <summary>Usage of one phase against its cap.</summary>
public sealed record PhaseUsageView(
    string PhaseId, string PhaseName, long TokenCap, long PromptTokens, long CompletionTokens, long TotalTokens, long Calls, double PercentOfCap);
