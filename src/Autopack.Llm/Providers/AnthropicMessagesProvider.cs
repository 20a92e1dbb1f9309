using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Autopack.Domain.Plans;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Llm.Providers;

/// <summary>
/// An Anthropic Messages API client on the official Anthropic SDK and its Microsoft.Extensions.AI adapter: POST
/// <c>{base}/v1/messages</c> with native <c>tools</c> / <c>tool_use</c> / <c>tool_result</c> blocks; usage is
/// <c>input_tokens</c> plus the cache writes and reads as prompt, <c>output_tokens</c> as completion. The SDK's
/// retries are off: the provider's Polly pipeline is the one resilience layer.
/// </summary>
public sealed class AnthropicMessagesProvider : ILlmProvider
{
    public const string ProviderName = ProviderNames.Anthropic;

    /// <summary>Longer than any attempt timeout of the pipeline, which is the one that gives up.</summary>
    private static readonly TimeSpan SdkTimeout = TimeSpan.FromHours(1);

    private readonly IChatClient chat;

    public AnthropicMessagesProvider(HttpClient client, string model, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(client);
        Model = model;
        var sdk = new AnthropicClient(new ClientOptions
        {
            HttpClient = client,
            BaseUrl = (client.BaseAddress?.ToString() ?? "https://api.anthropic.com").TrimEnd('/'),

            // Set even when null: null means "no key", where unset would read ANTHROPIC_API_KEY from the environment.
            ApiKey = apiKey,
            MaxRetries = 0,

            // Set, so the pipeline's attempt timeout decides: left null, the SDK derives one from max_tokens
            // (30 s to 10 min) and refuses outright a non-streaming call whose max_tokens implies more.
            Timeout = SdkTimeout,
        });
        chat = sdk.AsIChatClient(model);
    }

    /// <summary>The typed-client constructor: model and key from the settings, the HttpClient from the factory.</summary>
    [ActivatorUtilitiesConstructor]
    public AnthropicMessagesProvider(HttpClient client, LlmSettings settings)
        : this(client, settings?.AnthropicModel ?? throw new ArgumentNullException(nameof(settings)), settings.AnthropicApiKey)
    {
    }

    public string Name => ProviderName;

    public string Model { get; }

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken) =>
        ChatClientCall.SendAsync(chat, Name, Model, request, Translate, cancellationToken);

    private static ProviderException? Translate(Exception error) => error switch
    {
        AnthropicApiException ex => ChatClientCall.FromStatus(ProviderName, (int)ex.StatusCode, ex.ResponseBody, ex),
        // Network reads the base class's InnerException: the SDK's own property throws when there is none.
        AnthropicIOException ex => ChatClientCall.Network(ProviderName, ex),
        AnthropicInvalidDataException ex => ChatClientCall.Malformed(ProviderName, $"reply is not the wire format ({ex.Message})", ex),
        HttpRequestException ex => ChatClientCall.Network(ProviderName, ex),
        _ => null,
    };
}
