using Autopack.Domain.Budgets;
using Autopack.Llm.Providers;

namespace Autopack.Executor.Calls;

/// <summary>
/// Whether the usage a reply reports can be charged as it is: Domain's <see cref="UsageReport"/> rule (shared with
/// the metered endpoint, ADR-036) applied to a provider's reply. Usage that fails it is refused as malformed and
/// charged as an estimate instead, so nonsense never reaches <c>llm_usage_events</c>.
/// </summary>
public static class ReportedUsage
{
    /// <summary>A call may report this many times its reservation (tokenizers differ, not by this much).</summary>
    public const int MaxReservationMultiple = UsageReport.MaxReservationMultiple;

    /// <summary>Beyond the context window of any model: no single call uses this many tokens.</summary>
    public const long MaxPlausibleTokens = UsageReport.MaxPlausibleTokens;

    /// <summary>Why the reported usage cannot be charged, or null when it can.</summary>
    public static string? Problem(LlmResponse response, long countedPromptTokens, long reservedTokens)
    {
        ArgumentNullException.ThrowIfNull(response);
        return UsageReport.Problem(response.PromptTokens, response.CompletionTokens, countedPromptTokens, reservedTokens);
    }
}
