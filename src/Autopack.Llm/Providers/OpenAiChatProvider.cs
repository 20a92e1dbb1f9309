using System.ClientModel;
using System.ClientModel.Primitives;
using Autopack.Domain.Plans;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace Autopack.Llm.Providers;

/// <summary>
/// An OpenAI-compatible chat-completions client (OpenAI, vLLM, llama.cpp server, Ollama ...) on the official OpenAI
/// SDK through Microsoft.Extensions.AI: POST <c>{base}/chat/completions</c> with native <c>tools</c> /
/// <c>tool_calls</c> / <c>tool</c> messages, usage from <c>usage.prompt_tokens</c>/<c>usage.completion_tokens</c>.
/// The SDK's retries and network timeout are off: the provider's Polly pipeline is the one resilience layer.
/// </summary>
public sealed class OpenAiChatProvider : ILlmProvider
{
    public const string ProviderName = ProviderNames.OpenAi;

    private readonly IChatClient chat;
    private readonly TimeProvider time;

    public OpenAiChatProvider(HttpClient client, string model, string? apiKey, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        Model = model;
        this.time = time ?? TimeProvider.System;
        var options = new OpenAIClientOptions
        {
            Endpoint = client.BaseAddress,
            Transport = new HttpClientPipelineTransport(client),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        };

        // Local servers (llama.cpp, Ollama) need no key, but the SDK's stable constructors insist on one: send none.
        // (The constructor that takes an AuthenticationPolicy would say so directly, but it is marked experimental.)
        if (apiKey is null)
        {
            options.AddPolicy(new WithoutAuthorizationPolicy(), PipelinePosition.BeforeTransport);
        }

        chat = new ChatClient(model, new ApiKeyCredential(apiKey ?? "no-key"), options).AsIChatClient();
    }

    /// <summary>The typed-client constructor: model and key from the settings, the HttpClient from the factory.</summary>
    [ActivatorUtilitiesConstructor]
    public OpenAiChatProvider(HttpClient client, LlmSettings settings, TimeProvider time)
        : this(client, settings?.OpenAiModel ?? throw new ArgumentNullException(nameof(settings)), settings.OpenAiApiKey, time)
    {
    }

    public string Name => ProviderName;

    public string Model { get; }

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken) =>
        ChatClientCall.SendAsync(chat, Name, Model, request, Translate, cancellationToken);

    private ProviderException? Translate(Exception error) => error switch
    {
        // The SDK's transport reports a failed connection as a result without a status.
        ClientResultException { Status: 0 } ex => ChatClientCall.Network(ProviderName, ex),
        ClientResultException ex => ChatClientCall.FromStatus(ProviderName, ex.Status, ex.GetRawResponse()?.Content?.ToString(), ex, RetryAfter(ex.GetRawResponse())),
        HttpRequestException ex => ChatClientCall.Network(ProviderName, ex),

        // The SDK reads the reply lazily and says so with these when a 2xx body is not chat-completions JSON
        // (a string where a count belongs, no choices, a missing field).
        InvalidOperationException or ArgumentOutOfRangeException or FormatException or KeyNotFoundException =>
            ChatClientCall.Malformed(ProviderName, $"reply is not the chat-completions format ({error.Message})", error),
        _ => null,
    };

    private TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        response.Headers.TryGetValue("retry-after-ms", out var milliseconds);
        response.Headers.TryGetValue("Retry-After", out var retryAfter);
        return ChatClientCall.ParseRetryAfter(milliseconds, retryAfter, time.GetUtcNow());
    }

    /// <summary>Takes the placeholder credential off the request (a local server without keys).</summary>
    private sealed class WithoutAuthorizationPolicy : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
