using System.Text.Json;
using Autopack.Domain.Plans;
using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Tests.Providers;

/// <summary>The offline provider as the builder's scripted model: one tool call per turn, then finish.</summary>
public sealed class OfflineScriptedModelTests
{
    private static readonly IReadOnlyList<LlmTool> Tools =
    [
        new("write_file", "Creates or replaces a file.", JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone()),
        new("replace_in_file", "Replaces one exact occurrence.", JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone()),
        new("finish", "Ends the builder's turn.", JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone()),
    ];

    private readonly PromptTokenCounter counter = PromptTokenCounter.OfflineModel;

    private OfflineProvider Provider() => new(counter, TimeSpan.Zero, TimeProvider.System);

    private static LlmRequest Turn(IReadOnlyList<ChatMessage> messages, IReadOnlyList<OfflineEdit> edits) =>
        new("builder", messages, 512) { Tools = Tools, Offline = new OfflineScript(RejectAudit: false, edits) };

    /// <summary>Plays the agent loop: each call's message and a tool result go back into the conversation.</summary>
    private async Task<List<FunctionCallContent>> RunLoopAsync(IReadOnlyList<OfflineEdit> edits, int maxTurns = 10)
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, "You build."), new(ChatRole.User, "Make the test pass.") };
        var calls = new List<FunctionCallContent>();
        for (var turn = 0; turn < maxTurns; turn++)
        {
            var response = await Provider().CompleteAsync(Turn(messages, edits), CancellationToken.None);
            var call = response.ToolCalls.Single();
            calls.Add(call);
            if (call.Name == "finish")
            {
                break;
            }

            messages.Add(response.Message);
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "ok")]));
        }

        return calls;
    }

    [Test]
    public async Task CompleteAsync_WithToolsAndEdits_CallsOneEditPerTurnThenFinish()
    {
        var edits = new[] { new OfflineEdit("src/app.py", Content: "print('hi')\n"), new OfflineEdit("tests/test_app.py", Old: "assert False", New: "assert True") };

        var calls = await RunLoopAsync(edits);

        Assert.That(calls.Select(c => c.Name), Is.EqualTo(new[] { "write_file", "replace_in_file", "finish" }));
        Assert.Multiple(() =>
        {
            Assert.That(calls.Select(c => c.CallId), Is.EqualTo(new[] { "offline-1", "offline-2", "offline-3" }));
            Assert.That(calls[0].Arguments, Is.EquivalentTo(new Dictionary<string, object?> { ["path"] = "src/app.py", ["content"] = "print('hi')\n" }));
            Assert.That(calls[1].Arguments, Is.EquivalentTo(new Dictionary<string, object?> { ["path"] = "tests/test_app.py", ["old"] = "assert False", ["new"] = "assert True" }));
            Assert.That(calls[2].Arguments!["summary"], Is.EqualTo("applied 2 scripted edits: src/app.py, tests/test_app.py"));
        });
    }

    [Test]
    public async Task CompleteAsync_WithToolsAndNoEdits_FinishesAtOnce()
    {
        var calls = await RunLoopAsync([]);

        Assert.That(calls.Select(c => (c.CallId, c.Name)), Is.EqualTo(new[] { ("offline-1", "finish") }));
    }

    [Test]
    public async Task CompleteAsync_WithToolsAndNoScriptAtAll_FinishesAtOnce()
    {
        var request = new LlmRequest("builder", [new ChatMessage(ChatRole.User, "Build it.")], 512) { Tools = Tools };

        var response = await Provider().CompleteAsync(request, CancellationToken.None);

        Assert.That(response.ToolCalls.Single().Name, Is.EqualTo("finish"));
    }

    [Test]
    public async Task CompleteAsync_ToolCallTurn_ReportsTheCountedConversationAndTheCountedCall()
    {
        var request = Turn([new ChatMessage(ChatRole.System, "You build."), new ChatMessage(ChatRole.User, "Go.")], [new OfflineEdit("a.txt", Content: "alpha")]);

        var response = await Provider().CompleteAsync(request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.PromptTokens, Is.EqualTo(counter.CountRequest(request)));
            Assert.That(response.PromptTokens, Is.GreaterThan(counter.CountPrompt("You build.", "Go.")), "the tool definitions are part of the prompt");
            Assert.That(response.CompletionTokens, Is.EqualTo(counter.CountToolCall(response.ToolCalls.Single())).And.GreaterThan(0));
            Assert.That(response.Model, Is.EqualTo("offline-deterministic-1"));
        });
    }

    [Test]
    public async Task CompleteAsync_ToolCallLargerThanMaxOutput_AnswersWithTextWithinTheLimitAndNoToolCall()
    {
        var big = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 200));
        var request = Turn([new ChatMessage(ChatRole.User, "Go.")], [new OfflineEdit("big.txt", Content: big)]) with { MaxOutputTokens = 20 };

        var response = await Provider().CompleteAsync(request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.ToolCalls, Is.Empty);
            Assert.That(response.CompletionTokens, Is.LessThanOrEqualTo(20));
            Assert.That(response.Text, Does.StartWith("offline:"));
        });
    }

    [Test]
    public async Task CompleteAsync_AuditorWithARejectingScript_Rejects()
    {
        var request = LlmRequest.FromPrompts("auditor", "You review.", "the diff", 512) with { Offline = new OfflineScript(RejectAudit: true, Edits: []) };

        var response = await Provider().CompleteAsync(request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Does.StartWith("REJECTED"));
            Assert.That(response.ToolCalls, Is.Empty);
        });
    }

    [Test]
    public async Task CompleteAsync_AuditorWithEditsButNoRejection_Approves()
    {
        var request = LlmRequest.FromPrompts("auditor", "You review.", "the diff", 512) with { Offline = new OfflineScript(false, [new OfflineEdit("a", Content: "b")]) };

        var response = await Provider().CompleteAsync(request, CancellationToken.None);

        Assert.That(response.Text, Does.Match("^APPROVED\\b"));
    }
}
