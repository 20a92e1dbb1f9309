namespace Autopack.Domain.Plans;

/// <summary>
/// The providers a plan's phase may name (<c>provider</c>), in one place: the plan's rules refuse any other, and
/// Llm registers one client and one resilience pipeline under each.
/// </summary>
public static class ProviderNames
{
    public const string Offline = "offline";

    public const string OpenAi = "openai";

    public const string Anthropic = "anthropic";

    public static IReadOnlyList<string> All { get; } = [Offline, OpenAi, Anthropic];
}
