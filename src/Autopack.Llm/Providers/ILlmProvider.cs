using Autopack.Llm.Tokens;

namespace Autopack.Llm.Providers;

/// <summary>A chat model behind a name (<c>offline</c>, <c>openai</c>, <c>anthropic</c>).</summary>
public interface ILlmProvider
{
    string Name { get; }

    string Model { get; }

    /// <summary>
    /// How this provider's model counts tokens: what a call's prompt is reserved at before it is sent. Real providers
    /// count with o200k_base; the offline model with its own rule (ADR-034).
    /// </summary>
    PromptTokenCounter Counter => PromptTokenCounter.O200k;

    /// <summary>Calls the model. Throws <see cref="ProviderException"/> on failure, <see cref="OperationCanceledException"/> when cancelled.</summary>
    Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken);
}
