namespace Autopack.Domain.Budgets;

/// <summary>
/// What a finished call is charged. <see cref="OverrunTokens"/> is what the provider reported beyond the
/// reservation: it is not charged (the cap is hard) and is recorded as an event instead.
/// </summary>
public readonly record struct SettledUsage(long PromptTokens, long CompletionTokens, long OverrunTokens)
{
    public long Total => PromptTokens + CompletionTokens;
}
