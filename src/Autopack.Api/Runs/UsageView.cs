using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>GET /runs/{run_id}/usage: totals by run, phase, provider and model, each against its cap where it has one.</summary>
public sealed record UsageView(
    string RunId,
    long TokenCap,
    long PromptTokens,
    long CompletionTokens,
    long TotalTokens,
    long Calls,
    double PercentOfCap,
    IReadOnlyList<PhaseUsageView> Phases,
    IReadOnlyList<GroupUsageView> Providers,
    IReadOnlyList<GroupUsageView> Models)
{
    public static UsageView From(RunUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return new UsageView(
            usage.RunId, usage.TokenCap, usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens, usage.Calls,
            PercentOf(usage.TotalTokens, usage.TokenCap),
            usage.Phases.Select(p => new PhaseUsageView(
                p.PhaseId, p.PhaseName, p.TokenCap, p.PromptTokens, p.CompletionTokens, p.TotalTokens, p.Calls, PercentOf(p.TotalTokens, p.TokenCap))).ToList(),
            usage.Providers.Select(GroupUsageView.From).ToList(),
            usage.Models.Select(GroupUsageView.From).ToList());
    }

    public static double PercentOf(long used, long cap) => cap <= 0 ? 0 : Math.Round(used * 100.0 / cap, 1);
}
