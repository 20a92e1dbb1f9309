using System.Text.Json;
using Autopack.Domain.Budgets;
using Autopack.Domain.Plans;
using Autopack.Executor.Calls;
using Autopack.Executor.Tests.Support;
using Autopack.Llm.Providers;
using Autopack.Testing;
using Microsoft.Extensions.AI;

namespace Autopack.Executor.Tests.Calls;

/// <summary>Agent turns through the budget: the whole conversation and the tool definitions are reserved.</summary>
public sealed class BudgetedLlmClientToolTests
{
    private static readonly LlmTool WriteFile = new(
        "write_file",
        "Creates or replaces a file (parent folders created).",
        JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}""").RootElement.Clone());

    private BudgetScenario scenario = null!;

    [SetUp]
    public void CreateScenario() => scenario = new BudgetScenario(maxOutputTokens: 200, minOutputTokens: 20);

    [TearDown]
    public async Task DisposeScenario() => await scenario.DisposeAsync();

    /// <summary>A third turn: the system and user prompts, two tool calls and their (long) results.</summary>
    private static LlmRequest ThirdTurn(int maxOutputTokens = 200)
    {
        var longResult = string.Concat(Enumerable.Repeat("12: public sealed class TokenLedger(SqliteDatabase database)\n", 30));
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You are the builder."),
            new(ChatRole.User, "Make the failing test pass."),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "write_file", new Dictionary<string, object?> { ["path"] = "a.cs", ["content"] = "class A {}" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "wrote a.cs")]),
            new(ChatRole.Assistant, [new FunctionCallContent("c2", "write_file", new Dictionary<string, object?> { ["path"] = "b.cs", ["content"] = "class B {}" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c2", longResult)]),
        };
        return new LlmRequest("builder", messages, maxOutputTokens) { Tools = [WriteFile] };
    }

    [Test]
    public async Task CallAsync_RequestWithToolsAndResults_ReservesTheWholeConversationPlusMaxOutput()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var request = ThirdTurn();
        var counted = scenario.Counter.CountRequest(request);
        long heldDuringCall = -1;
        var provider = new ScriptedLlmProvider((_, _) =>
        {
            heldDuringCall = scenario.Db.Scalar("SELECT coalesce(sum(tokens), 0) FROM token_reservations WHERE run_id = 'r1' AND phase_id = 'p1'");
            return Task.FromResult(LlmResponse.FromText("done", 10, 10, "m"));
        });

        await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(counted, Is.GreaterThan(scenario.Counter.CountPrompt("You are the builder.", "Make the failing test pass.") + 300), "tool calls, results and definitions count");
            Assert.That(heldDuringCall, Is.EqualTo(counted + 200));
            Assert.That(provider.Requests.Single().Tools, Is.EqualTo(request.Tools));
            Assert.That(provider.Requests.Single().Messages, Is.EqualTo(request.Messages));
            Assert.That(scenario.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_ConversationLeavesLessThanMinOutput_RefusedWithoutCallingTheProvider()
    {
        var request = ThirdTurn();
        var counted = scenario.Counter.CountRequest(request);
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: counted + 19).Build());
        var provider = ScriptedLlmProvider.Reporting(1, 1);

        var ex = Assert.ThrowsAsync<BudgetRefusedException>(() =>
            scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), request, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Scope, Is.EqualTo(BudgetScope.Phase));
            Assert.That(provider.Requests, Is.Empty);
            Assert.That(scenario.Reservations, Is.Zero);
            Assert.That(scenario.UsageRows, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_ConversationLeavesLittleHeadroom_SendsTheShrunkMaxOutput()
    {
        var request = ThirdTurn();
        var counted = scenario.Counter.CountRequest(request);
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: counted + 50).Build());
        var provider = ScriptedLlmProvider.Reporting(r => (counted, r.MaxOutputTokens));

        var result = await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.OutputShrunk, Is.True);
            Assert.That(provider.Requests.Single().MaxOutputTokens, Is.EqualTo(50));
            Assert.That(scenario.UsedByPhase("p1"), Is.EqualTo(counted + 50));
        });
    }

    [Test]
    public async Task CallAsync_ToolCallReply_ReturnsTheCallsAndWritesTheUsageRowWithTheRepliesModel()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var call = new FunctionCallContent("call-9", "write_file", new Dictionary<string, object?> { ["path"] = "x", ["content"] = "y" });
        var provider = new ScriptedLlmProvider((_, _) => Task.FromResult(new LlmResponse(new ChatMessage(ChatRole.Assistant, [call]), 321, 45, "served-model-7")));

        var result = await scenario.Client(provider).CallAsync(new CallTarget("r1", "p1", "scaffold", provider.Name, "owner-1"), ThirdTurn(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Response.ToolCalls.Single().CallId, Is.EqualTo("call-9"));
            Assert.That(result.Text, Is.Empty);
            Assert.That(result.Model, Is.EqualTo("served-model-7"));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE role = 'builder' AND provider = 'scripted' AND model = 'served-model-7' AND prompt_tokens = 321 AND completion_tokens = 45"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task CallAsync_OfflineBuilderTurn_ChargesTheCountedConversationAndTheToolCall()
    {
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var offline = new OfflineProvider(scenario.Counter, TimeSpan.Zero, TimeProvider.System);
        var request = ThirdTurn() with { Offline = new OfflineScript(false, [new OfflineEdit("a.cs", Content: "class A {}")]) };

        var result = await scenario.Client(offline).CallAsync(new CallTarget("r1", "p1", "p1", "offline", "owner-1"), request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Response.ToolCalls.Single().Name, Is.EqualTo("finish"), "two assistant turns already used the one edit");
            Assert.That(scenario.UsedByPhase("p1"), Is.EqualTo(scenario.Counter.CountRequest(request) + scenario.Counter.CountToolCall(result.Response.ToolCalls[0])));
        });
    }
}
