using System.Collections.Concurrent;
using Autopack.Llm.Providers;

namespace Autopack.Testing;

/// <summary>A hand-written provider whose every reply is scripted by the test; it records the requests it got.</summary>
public sealed class ScriptedLlmProvider(Func<LlmRequest, CancellationToken, Task<LlmResponse>> reply, string name = "scripted") : ILlmProvider
{
    private readonly ConcurrentQueue<LlmRequest> requests = new();

    public string Name => name;

    public string Model => "scripted-model-1";

    public IReadOnlyList<LlmRequest> Requests => requests.ToList();

    /// <summary>Replies with exactly the given usage, whatever was asked.</summary>
    public static ScriptedLlmProvider Reporting(long promptTokens, long completionTokens) =>
        new((_, _) => Task.FromResult(LlmResponse.FromText("scripted reply", promptTokens, completionTokens, "scripted-model-1")));

    /// <summary>Replies with the usage <paramref name="usage"/> computes from the request.</summary>
    public static ScriptedLlmProvider Reporting(Func<LlmRequest, (long Prompt, long Completion)> usage) =>
        new((request, _) =>
        {
            var (prompt, completion) = usage(request);
            return Task.FromResult(LlmResponse.FromText("scripted reply", prompt, completion, "scripted-model-1"));
        });

    public static ScriptedLlmProvider Failing(Exception error) => new((_, _) => Task.FromException<LlmResponse>(error));

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        requests.Enqueue(request);
        return reply(request, cancellationToken);
    }
}
