namespace Autopack.Llm.Providers;

/// <summary>A chat model behind a name (<c>offline</c>, <c>openai</c>, <c>anthropic</c>).</summary>
public interface ILlmProvider
{
    string Name { get; }

    string Model { get; }

    /// <summary>Calls the model. Throws <see cref="ProviderException"/> on failure, <see cref="OperationCanceledException"/> when cancelled.</summary>
    Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken);
}
