namespace Autopack.Storage.Runs;

/// <summary>Token usage of a run: totals by run, phase, provider and model, each against its cap where it has one.</summary>
public sealed record RunUsage(
    string RunId,
    long TokenCap,
    long PromptTokens,
    long CompletionTokens,
    long Calls,
    IReadOnlyList<PhaseUsage> Phases,
    IReadOnlyList<GroupUsage> Providers,
    IReadOnlyList<GroupUsage> Models)
{
    public long TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>Usage of one phase against its cap.</summary>
public sealed record PhaseUsage(string PhaseId, string PhaseName, long TokenCap, long PromptTokens, long CompletionTokens, long Calls)
{
    public long TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>Usage of one provider or model.</summary>
public sealed record GroupUsage(string Name, long PromptTokens, long CompletionTokens, long Calls)
{
    public long TotalTokens => PromptTokens + CompletionTokens;
}
