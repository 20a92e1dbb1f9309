namespace Autopack.Llm.Providers;

/// <summary>A provider's reply with the usage it reported.</summary>
public sealed record LlmResponse(string Text, long PromptTokens, long CompletionTokens, string Model);
