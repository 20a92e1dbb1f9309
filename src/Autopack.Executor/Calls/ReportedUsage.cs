using Autopack.Llm.Providers;

namespace Autopack.Executor.Calls;

/// <summary>
/// Whether the usage a reply reports can be charged as it is. Negative counts, no prompt at all for a prompt we
/// counted, more than <see cref="MaxReservationMultiple"/> times what was reserved, or more than
/// <see cref="MaxPlausibleTokens"/> are not a provider's bill but a broken or hostile reply: it is refused as
/// malformed and charged as an estimate instead, so nonsense never reaches <c>llm_usage_events</c>.
/// </summary>
public static class ReportedUsage
{
    /// <summary>A call may report this many times its reservation (tokenizers differ, not by this much).</summary>
    public const int MaxReservationMultiple = 10;

    /// <summary>Beyond the context window of any model: no single call uses this many tokens.</summary>
    public const long MaxPlausibleTokens = 10_000_000;

    /// <summary>Why the reported usage cannot be charged, or null when it can.</summary>
    public static string? Problem(LlmResponse response, long countedPromptTokens, long reservedTokens)
    {
        ArgumentNullException.ThrowIfNull(response);
        var (prompt, completion) = (response.PromptTokens, response.CompletionTokens);
        if (prompt < 0 || completion < 0)
        {
            return $"reported usage is negative (prompt {prompt}, completion {completion})";
        }

        if (prompt == 0 && countedPromptTokens > 0)
        {
            return $"reported no prompt tokens for a prompt of {countedPromptTokens}";
        }

        var total = prompt + completion;
        if (total > MaxPlausibleTokens || total > MaxReservationMultiple * Math.Max(reservedTokens, 1))
        {
            return $"reported usage of {total} tokens (prompt {prompt}, completion {completion}) for a call reserved at {reservedTokens}";
        }

        return null;
    }
}
