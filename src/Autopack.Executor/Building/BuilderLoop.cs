using Autopack.Domain.Budgets;
using Autopack.Executor.Running;
using Autopack.Llm.Providers;
using Autopack.Workspace.Processes;
using Autopack.Workspace.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Building;

/// <summary>
/// The builder as an agent loop: each turn is one budgeted provider call with the whole conversation and the tool
/// definitions; the tools it asks for run in the worktree and their results (errors included, never thrown) go
/// back to it, until it calls <c>finish</c>, answers without a tool call, or reaches the phase's <c>max_turns</c>.
/// A budget refusal or a cancellation ends the loop by exception; the caller resets the worktree. Every turn asks for
/// the attempt's model (<see cref="BuilderAssignment.Model"/>; the provider's configured one when null).
/// </summary>
public sealed class BuilderLoop(PausingLlmCaller llm, CommandRunner commands, BudgetSettings settings, ILogger<BuilderLoop> logger)
{
    private static readonly IReadOnlyList<LlmTool> Tools =
        BuilderTools.Definitions.Select(d => new LlmTool(d.Name, d.Description, d.ParametersSchema)).ToList();

    public async Task<BuilderOutcome> RunAsync(BuilderAssignment assignment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var tools = new BuilderTools(assignment.WorktreePath, assignment.Scope, new ToolLimits(), commands);
        var user = Prompts.Builder(assignment.RunGoal, assignment.PhaseName, assignment.PhaseGoal, assignment.Attempt, assignment.PreviousRejection, assignment.Scope);
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, Prompts.BuilderSystem),
            new(ChatRole.User, user),
        };
        var offline = new OfflineScript(false, assignment.OfflineEdits);
        await using var transcript = new TranscriptWriter(assignment.TranscriptPath);
        await transcript.PromptAsync(Prompts.BuilderSystem, user, Tools.Select(t => t.Name)).ConfigureAwait(false);

        long tokens = 0;
        for (var turn = 1; turn <= assignment.MaxTurns; turn++)
        {
            var request = new LlmRequest("builder", messages.ToList(), settings.MaxOutputTokens) { Tools = Tools, Offline = offline, Model = assignment.Model };
            var result = await llm.CallAsync(assignment.Target, request, cancellationToken).ConfigureAwait(false);
            tokens += result.Settlement.Charged.Total;
            var reply = result.Response;
            await transcript.TurnAsync(turn, reply.Model, reply.Text, reply.ToolCalls, result.Settlement.Charged.PromptTokens, result.Settlement.Charged.CompletionTokens).ConfigureAwait(false);
            messages.Add(reply.Message);
            if (reply.ToolCalls.Count == 0)
            {
                await transcript.EndAsync("answered", reply.Text).ConfigureAwait(false);
                return new BuilderOutcome(true, reply.Text, turn, tokens);
            }

            string? summary = null;
            var results = new List<AIContent>();
            foreach (var call in reply.ToolCalls)
            {
                ToolResult outcome;
                if (call.Name == ToolNames.Finish)
                {
                    summary = LlmResponse.CutText(SummaryOf(call) ?? reply.Text);
                    outcome = new ToolResult("finished", false);
                }
                else
                {
                    var arguments = call.Arguments is null ? null : new Dictionary<string, object?>(call.Arguments, StringComparer.Ordinal);
                    outcome = await tools.InvokeAsync(call.Name, arguments, cancellationToken).ConfigureAwait(false);
                }

                var content = outcome.IsError ? $"ERROR: {outcome.Content}" : outcome.Content;
                await transcript.ToolResultAsync(turn, call.CallId, call.Name, outcome.IsError, content).ConfigureAwait(false);
                results.Add(new FunctionResultContent(call.CallId, content));
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results));
            if (summary is not null)
            {
                await transcript.EndAsync("finished", summary).ConfigureAwait(false);
                return new BuilderOutcome(true, summary, turn, tokens);
            }
        }

        var problem = $"the builder did not finish within max_turns ({assignment.MaxTurns})";
        logger.LogInformation("phase {PhaseId}: {Problem}", assignment.Target.PhaseId, problem);
        await transcript.EndAsync("max_turns", null).ConfigureAwait(false);
        return new BuilderOutcome(false, string.Empty, assignment.MaxTurns, tokens, problem);
    }

    private static string? SummaryOf(FunctionCallContent call) =>
        call.Arguments is { } args && args.TryGetValue("summary", out var value) && value is not null
            ? value is System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json ? json.GetString() : value.ToString()
            : null;
}
