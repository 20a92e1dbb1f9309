using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autopack.Llm.Providers;
using Autopack.Llm.Relay;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Tests.Relay;

/// <summary>An agent's request is counted as the built-in builder's same conversation is, and rewritten only where the budget needs it.</summary>
public sealed class RelayRequestTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"}}}""").RootElement.Clone();

    [Test]
    public void ChatCompletions_ToolConversation_CountsLikeTheSameConversationOfTheBuiltInBuilder()
    {
        var wire = """
            {"model":"m","max_tokens":300,
             "messages":[
               {"role":"system","content":"You build."},
               {"role":"user","content":[{"type":"text","text":"Read a.txt"}]},
               {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.txt\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"1: hello"}],
             "tools":[{"type":"function","function":{"name":"read_file","description":"Reads a file","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}]}
            """;
        var builtIn = new List<ChatMessage>
        {
            new(ChatRole.System, "You build."),
            new(ChatRole.User, "Read a.txt"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "read_file", new Dictionary<string, object?> { ["path"] = "a.txt" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "1: hello")]),
        };

        var request = ChatCompletionsWire.ParseRequest(Encoding.UTF8.GetBytes(wire));

        Assert.Multiple(() =>
        {
            Assert.That(request.CountPromptTokens(PromptTokenCounter.O200k, CancellationToken.None),
                Is.EqualTo(PromptTokenCounter.O200k.CountConversation(builtIn, [new LlmTool("read_file", "Reads a file", Schema)])));
            Assert.That(request.RequestedMaxOutputTokens, Is.EqualTo(300));
            Assert.That(request.Stream, Is.False);
        });
    }

    [Test]
    public void ChatCompletions_ForUpstream_SetsModelAndGrantAndAsksForStreamUsageKeepingTheRest()
    {
        var request = ChatCompletionsWire.ParseRequest(Encoding.UTF8.GetBytes(
            """{"model":"agent-model","max_completion_tokens":5000,"stream":true,"temperature":0.2,"messages":[{"role":"user","content":"hi"}]}"""));

        var sent = JsonNode.Parse(request.ForUpstream("gpt-attempt", 700))!;

        Assert.Multiple(() =>
        {
            Assert.That(sent["model"]!.GetValue<string>(), Is.EqualTo("gpt-attempt"));
            Assert.That(sent["max_completion_tokens"]!.GetValue<int>(), Is.EqualTo(700));
            Assert.That(sent["max_tokens"], Is.Null);
            Assert.That(sent["stream_options"]!["include_usage"]!.GetValue<bool>(), Is.True);
            Assert.That(sent["temperature"]!.GetValue<double>(), Is.EqualTo(0.2));
            Assert.That(request.AgentAskedStreamUsage, Is.False);
        });
    }

    [Test]
    public void Messages_ImagesAndSystemBlocks_CountedWithTheAttachmentAllowance()
    {
        var withImage = """
            {"model":"m","max_tokens":100,"system":[{"type":"text","text":"You build."}],
             "messages":[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}}]}]}
            """;
        var withoutImage = """
            {"model":"m","max_tokens":100,"system":"You build.","messages":[{"role":"user","content":"Look"}]}
            """;

        var counted = MessagesWire.ParseRequest(Encoding.UTF8.GetBytes(withImage)).CountPromptTokens(PromptTokenCounter.O200k, CancellationToken.None);
        var plain = MessagesWire.ParseRequest(Encoding.UTF8.GetBytes(withoutImage)).CountPromptTokens(PromptTokenCounter.O200k, CancellationToken.None);

        Assert.That(counted, Is.EqualTo(plain + RelayRequest.AttachmentTokens));
    }

    [Test]
    public void Messages_ToolUseAndToolResult_CountedAsToolCalls()
    {
        var wire = """
            {"max_tokens":100,"messages":[
              {"role":"user","content":"Read a.txt"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"read_file","input":{"path":"a.txt"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"1: hello"}]}]}]}
            """;
        var builtIn = new List<ChatMessage>
        {
            new(ChatRole.User, "Read a.txt"),
            new(ChatRole.Assistant, [new FunctionCallContent("toolu_1", "read_file", new Dictionary<string, object?> { ["path"] = "a.txt" })]),
            new(ChatRole.User, [new FunctionResultContent("toolu_1", "1: hello")]),
        };

        var request = MessagesWire.ParseRequest(Encoding.UTF8.GetBytes(wire));

        Assert.That(request.CountPromptTokens(PromptTokenCounter.O200k, CancellationToken.None), Is.EqualTo(PromptTokenCounter.O200k.CountConversation(builtIn, [])));
    }

    [Test]
    public void Messages_ThinkingThatCannotFitTheGrant_LeftOut()
    {
        var request = MessagesWire.ParseRequest(Encoding.UTF8.GetBytes(
            """{"max_tokens":8000,"thinking":{"type":"enabled","budget_tokens":4000},"messages":[{"role":"user","content":"hi"}]}"""));

        var sent = JsonNode.Parse(request.ForUpstream("claude-attempt", 900))!;

        Assert.Multiple(() =>
        {
            Assert.That(sent["max_tokens"]!.GetValue<int>(), Is.EqualTo(900));
            Assert.That(sent["thinking"], Is.Null, "a budget below Anthropic's 1,024 minimum cannot be sent");
        });
    }
}
