using System.Text;
using System.Text.Json;
using Autopack.Domain.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Llm.Providers;

/// <summary>
/// An Anthropic Messages API client: POST <c>{base}/v1/messages</c> with <c>x-api-key</c> and
/// <c>anthropic-version</c>; usage from <c>usage.input_tokens</c>/<c>usage.output_tokens</c>.
/// </summary>
public sealed class AnthropicMessagesProvider(HttpClient client, string model, string? apiKey) : ILlmProvider
{
    /// <summary>The typed-client constructor: model and key from the settings, the HttpClient from the factory.</summary>
    [ActivatorUtilitiesConstructor]
    public AnthropicMessagesProvider(HttpClient client, AutopackSettings settings)
        : this(client, settings?.AnthropicModel ?? throw new ArgumentNullException(nameof(settings)), settings.AnthropicApiKey)
    {
    }

    public const string ProviderName = "anthropic";
    public const string ApiVersion = "2023-06-01";

    public string Name => ProviderName;

    public string Model => model;

    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new Dictionary<string, object>
        {
            ["model"] = model,
            ["max_tokens"] = request.MaxOutputTokens,
            ["system"] = request.SystemPrompt,
            ["messages"] = new object[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = request.UserPrompt } },
        };
        using var json = await ProviderHttp.PostJsonAsync(client, Name, "v1/messages", body, message =>
        {
            if (apiKey is not null)
            {
                message.Headers.Add("x-api-key", apiKey);
            }

            message.Headers.Add("anthropic-version", ApiVersion);
        }, cancellationToken).ConfigureAwait(false);

        var root = json.RootElement;
        var content = ProviderHttp.Path(Name, root, "content");
        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new ProviderException(Name, ProviderErrorKind.MalformedResponse, "reply's content is not an array");
        }

        var text = new StringBuilder();
        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("type", out var type) && type.GetString() == "text" && block.TryGetProperty("text", out var t))
            {
                text.Append(t.GetString());
            }
        }

        var input = ProviderHttp.Int64(Name, root, "usage", "input_tokens");
        var output = ProviderHttp.Int64(Name, root, "usage", "output_tokens");
        var replyModel = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : model;
        return new LlmResponse(text.ToString(), input, output, replyModel);
    }
}
