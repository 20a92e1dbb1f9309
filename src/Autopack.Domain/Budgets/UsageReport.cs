namespace Autopack.Domain.Budgets;

/// <summary>
/// Whether the usage a provider reports for one call can be charged as it is. Negative counts, no prompt at all for
/// a prompt that was counted, more than <see cref="MaxReservationMultiple"/> times what was reserved, or more than
/// <see cref="MaxPlausibleTokens"/> are not a provider's bill but a broken or hostile reply: the call is charged an
/// estimate instead, so nonsense never reaches <c>llm_usage_events</c>. The built-in builder's calls and the
/// metered endpoint's requests are judged by this one rule (ADR-036).
/// </summary>
public static class UsageReport
{
    /// <summary>A call may report this many times its reservation (tokenizers differ, not by this much).</summary>
    public const int MaxReservationMultiple = 10;

    /// <summary>Beyond the context window of any model: no single call uses this many tokens.</summary>
    public const long MaxPlausibleTokens = 10_000_000;

    /// <summary>Why the reported usage cannot be charged, or null when it can.</summary>
    public static string? Problem(long promptTokens, long completionTokens, long countedPromptTokens, long reservedTokens)
    {
        if (promptTokens < 0 || completionTokens < 0)
        {
            return $"reported usage is negative (prompt {promptTokens}, completion {completionTokens})";
        }

        if (promptTokens == 0 && countedPromptTokens > 0)
        {
            return $"reported no prompt tokens for a prompt of {countedPromptTokens}";
        }

        var total = promptTokens + completionTokens;
        if (total > MaxPlausibleTokens || total > MaxReservationMultiple * Math.Max(reservedTokens, 1))
        {
            return $"reported usage of {total} tokens (prompt {promptTokens}, completion {completionTokens}) for a call reserved at {reservedTokens}";
        }

        return null;
    }
}
