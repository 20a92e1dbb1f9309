namespace Autopack.Llm.Providers;

/// <summary>
/// One call to a provider. <see cref="OfflineReject"/> is read only by the offline provider: it tells its
/// auditor to reject this attempt (plans set <c>offline_rejections</c> to rehearse retries).
/// </summary>
public sealed record LlmRequest(string Role, string SystemPrompt, string UserPrompt, int MaxOutputTokens, bool OfflineReject = false);
