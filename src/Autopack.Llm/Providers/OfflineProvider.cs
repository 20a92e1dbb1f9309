using System.Text;
using Autopack.Llm.Tokens;

namespace Autopack.Llm.Providers;

/// <summary>
/// A deterministic provider that needs no network: the builder's reply is derived from the prompt, the auditor
/// approves unless told to reject, and usage is counted from the text with the real tokenizer. A simulated
/// latency (AUTOPACK_OFFLINE_LATENCY_MS) makes slow runs on purpose; it honours cancellation at once.
/// </summary>
public sealed class OfflineProvider(PromptTokenCounter counter, TimeSpan latency, TimeProvider time) : ILlmProvider
{
    public const string ProviderName = "offline";

    public string Name => ProviderName;

    public string Model => "offline-deterministic-1";

    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, time, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var reply = request.Role == "auditor" ? AuditorReply(request) : BuilderReply(request);
        reply = Truncate(reply, request.MaxOutputTokens);
        return new LlmResponse(
            reply,
            counter.CountPrompt(request.SystemPrompt, request.UserPrompt),
            counter.Count(reply),
            Model);
    }

    private static string AuditorReply(LlmRequest request) => request.OfflineReject
        ? "REJECTED: the change lacks a test for the failure path; add one and keep the rest."
        : "APPROVED. The output meets the goal and the verify result is acceptable.";

    private static string BuilderReply(LlmRequest request)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(request.UserPrompt)))[..12];
        var builder = new StringBuilder();
        builder.AppendLine($"# Offline build output {hash}");
        builder.AppendLine();
        builder.AppendLine("Steps taken:");
        foreach (var line in request.UserPrompt.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6))
        {
            builder.AppendLine($"- considered: {line}");
        }

        builder.AppendLine("- wrote the change and its tests");
        return builder.ToString();
    }

    private string Truncate(string reply, int maxTokens)
    {
        if (counter.Count(reply) <= maxTokens)
        {
            return reply;
        }

        var words = reply.Split(' ');
        var kept = new StringBuilder();
        foreach (var word in words)
        {
            if (counter.Count(kept + word + " ") > maxTokens)
            {
                break;
            }

            kept.Append(word).Append(' ');
        }

        return kept.ToString();
    }
}
