using System.Text;
using Autopack.Domain.Plans;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Providers;

/// <summary>
/// A deterministic provider that needs no network, a scripted model. With tools (the builder's agent loop) it
/// answers each turn with one tool call: the next of <see cref="OfflineScript.Edits"/> as <c>write_file</c> or
/// <c>replace_in_file</c>, then <c>finish</c>. Without tools the builder's reply is prose derived from the prompt and
/// the auditor approves unless told to reject. Usage is counted by <paramref name="counter"/>: in the executor the
/// offline model's own rule (<see cref="PromptTokenCounter.OfflineModel"/>, ADR-034). A simulated latency
/// (AUTOPACK_OFFLINE_LATENCY_MS) makes slow runs on purpose; it honours cancellation at once. It answers as the model
/// a call asks for (a plan's <c>models</c>, attempt N's) when one is named, so a plan's model choice can be rehearsed
/// offline and is recorded on the usage rows; otherwise as <see cref="Model"/>.
/// </summary>
public sealed class OfflineProvider(PromptTokenCounter counter, TimeSpan latency, TimeProvider time) : ILlmProvider
{
    public const string ProviderName = ProviderNames.Offline;

    public string Name => ProviderName;

    public string Model => "offline-deterministic-1";

    public PromptTokenCounter Counter => counter;

    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, time, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var prompt = counter.CountRequest(request, cancellationToken);
        var model = request.Model ?? Model;
        if (request.Tools.Count > 0)
        {
            var call = NextToolCall(request);
            var size = counter.CountToolCall(call);
            if (size <= request.MaxOutputTokens)
            {
                return new LlmResponse(new ChatMessage(ChatRole.Assistant, [call]), prompt, size, model);
            }

            // A real model cut off at its limit leaves no usable tool call; neither does this one.
            var cut = Truncate($"offline: the scripted {call.Name} call needs {size} output tokens, more than the {request.MaxOutputTokens} granted", request.MaxOutputTokens);
            return LlmResponse.FromText(cut, prompt, counter.Count(cut), model);
        }

        var reply = request.Role == "auditor" ? AuditorReply(request) : BuilderReply(request);
        reply = Truncate(reply, request.MaxOutputTokens);
        return LlmResponse.FromText(reply, prompt, counter.Count(reply), model);
    }

    /// <summary>Turn N (N assistant messages so far) performs the Nth edit; once they are used up, <c>finish</c>.</summary>
    private static FunctionCallContent NextToolCall(LlmRequest request)
    {
        var edits = request.Offline?.Edits ?? [];
        var turn = request.Messages.Count(m => m.Role == ChatRole.Assistant);
        var callId = $"offline-{turn + 1}";
        if (turn < edits.Count)
        {
            return EditCall(callId, edits[turn]);
        }

        var paths = string.Join(", ", edits.Select(e => e.Path));
        var summary = edits.Count == 0 ? "applied 0 scripted edits" : $"applied {edits.Count} scripted edits: {paths}";
        return new FunctionCallContent(callId, "finish", new Dictionary<string, object?> { ["summary"] = summary });
    }

    private static FunctionCallContent EditCall(string callId, OfflineEdit edit) => edit.IsWrite()
        ? new FunctionCallContent(callId, "write_file", new Dictionary<string, object?> { ["path"] = edit.Path, ["content"] = edit.Content })
        : new FunctionCallContent(callId, "replace_in_file", new Dictionary<string, object?> { ["path"] = edit.Path, ["old"] = edit.Old ?? "", ["new"] = edit.New ?? "" });

    private static string AuditorReply(LlmRequest request) => request.Offline?.RejectAudit == true
        ? "REJECTED: the change lacks a test for the failure path; add one and keep the rest."
        : "APPROVED. The output meets the goal and the verify result is acceptable.";

    private static string BuilderReply(LlmRequest request)
    {
        var userPrompt = request.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(userPrompt)))[..12];
        var builder = new StringBuilder();
        builder.AppendLine($"# Offline build output {hash}");
        builder.AppendLine();
        builder.AppendLine("Steps taken:");
        foreach (var line in userPrompt.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6))
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
