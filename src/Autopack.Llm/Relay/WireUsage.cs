namespace Autopack.Llm.Relay;

/// <summary>
/// The usage a provider reported for one relayed call, in Autopack's terms: prompt tokens (Anthropic: input plus
/// cache writes and reads) and completion tokens, and the model it names.
/// </summary>
public sealed record WireUsage(long PromptTokens, long CompletionTokens, string? Model);
