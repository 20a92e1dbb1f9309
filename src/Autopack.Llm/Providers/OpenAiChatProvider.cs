using System.Net.Http.Headers;
using System.Text.Json;
using Autopack.Domain.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Llm.Providers;

/// <summary>
/// An OpenAI-compatible chat-completions client (OpenAI, vLLM, llama.cpp server, Ollama ...): POST
/// <c>{base}/chat/completions</c>, usage from <c>usage.prompt_tokens</c>/<c>usage.completion_tokens</c>.
/// </summary>
public sealed class OpenAiChatProvider(HttpClient client, string model, string? apiKey) : ILlmProvider
{
    /// <summary>The typed-client constructor: model and key from the settings, the HttpClient from the factory.</summary>
    [ActivatorUtilitiesConstructor]
    public OpenAiChatProvider(HttpClient client, AutopackSettings settings)
        : this(client, settings?.OpenAiModel ?? throw new ArgumentNullException(nameof(settings)), settings.OpenAiApiKey)
    {
    }

    public const string ProviderName = "openai";

    public string Name => ProviderName;

    public string Model => model;

    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new Dictionary<string, object>
        {
            ["model"] = model,
            ["max_tokens"] = request.MaxOutputTokens,
            ["messages"] = new object[]
            {
                new Dictionary<string, string> { ["role"] = "system", ["content"] = request.SystemPrompt },
                new Dictionary<string, string> { ["role"] = "user", ["content"] = request.UserPrompt },
            },
        };
        using var json = await ProviderHttp.PostJsonAsync(client, Name, "chat/completions", body, message =>
        {
            if (apiKey is not null)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }
        }, cancellationToken).ConfigureAwait(false);

        var root = json.RootElement;
        var text = ProviderHttp.Text(Name, root, "choices", "0", "message", "content");
        var prompt = ProviderHttp.Int64(Name, root, "usage", "prompt_tokens");
        var completion = ProviderHttp.Int64(Name, root, "usage", "completion_tokens");
        var replyModel = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : model;
        return new LlmResponse(text, prompt, completion, replyModel);
    }
}
