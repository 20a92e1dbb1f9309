using Autopack.Storage.Runs;

namespace Autopack.Api.Runs;

/// <summary>Usage of one provider or one model.</summary>
public sealed record GroupUsageView(string Name, long PromptTokens, long CompletionTokens, long TotalTokens, long Calls)
{
    public static GroupUsageView From(GroupUsage group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return new GroupUsageView(group.Name, group.PromptTokens, group.CompletionTokens, group.TotalTokens, group.Calls);
    }
}
