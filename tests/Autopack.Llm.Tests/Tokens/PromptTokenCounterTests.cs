using System.Text.Json;
using Autopack.Llm.Providers;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Tests.Tokens;

public sealed class PromptTokenCounterTests
{
    private readonly PromptTokenCounter counter = new();

    [TestCase("hello world", 2)]
    [TestCase("Hello, world!", 4)]
    [TestCase("", 0)]
    public void Count_KnownText_MatchesO200kBase(string text, int expected) =>
        Assert.That(counter.Count(text), Is.EqualTo(expected));

    [Test]
    public void Count_LongEnglishText_IsRoughlyFourCharactersPerToken()
    {
        var text = string.Concat(Enumerable.Repeat("The executor reserves the worst case of each call against the phase and the run. ", 50));

        var tokens = counter.Count(text);

        Assert.That(tokens, Is.InRange(text.Length / 6, text.Length / 3));
    }

    [Test]
    public void CountPrompt_SystemAndUser_AddsTwoMessagesOfFramingAndTheReplyPriming()
    {
        var framing = (2 * PromptTokenCounter.PerMessageOverhead) + PromptTokenCounter.ReplyPriming;

        Assert.Multiple(() =>
        {
            Assert.That(framing, Is.EqualTo(11));
            Assert.That(counter.CountPrompt("hello world", "hello world"), Is.EqualTo(2 + 2 + framing));
            Assert.That(counter.CountPrompt("", ""), Is.EqualTo(framing));
        });
    }

    private static readonly LlmTool ReadFile = new(
        "read_file",
        "The text with line numbers; large files in ranges.",
        JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"},"start_line":{"type":"integer"}},"required":["path"]}""").RootElement.Clone());

    private static List<ChatMessage> Prompts() => [new(ChatRole.System, "hello world"), new(ChatRole.User, "hello world")];

    [Test]
    public void CountRequest_SystemAndUserWithoutTools_EqualsCountPrompt() =>
        Assert.That(counter.CountRequest(LlmRequest.FromPrompts("builder", "You build.", "Add a readme.", 100)), Is.EqualTo(counter.CountPrompt("You build.", "Add a readme.")));

    [Test]
    public void CountConversation_WithAToolDefinition_AddsItsNameDescriptionSchemaAndFraming()
    {
        var without = counter.CountConversation(Prompts(), []);

        var with = counter.CountConversation(Prompts(), [ReadFile]);

        Assert.That(with - without, Is.EqualTo(
            PromptTokenCounter.PerToolDefinitionOverhead + counter.Count("read_file") + counter.Count(ReadFile.Description) + counter.Count(ReadFile.ParametersSchema.GetRawText())));
    }

    [Test]
    public void CountConversation_ToolCallAndItsResult_CountTheArgumentsAndTheResultText()
    {
        var call = new FunctionCallContent("call-1", "read_file", new Dictionary<string, object?> { ["path"] = "src/Program.cs" });
        var shortTurn = Prompts().Concat([new ChatMessage(ChatRole.Assistant, [call]), new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "1: x")])]).ToList();
        var longResult = string.Concat(Enumerable.Repeat("42: var budget = ledger.Reserve(prompt, maxOutput);\n", 40));
        var longTurn = Prompts().Concat([new ChatMessage(ChatRole.Assistant, [call]), new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", longResult)])]).ToList();

        var prompts = counter.CountConversation(Prompts(), []);
        var withShort = counter.CountConversation(shortTurn, []);
        var withLong = counter.CountConversation(longTurn, []);

        Assert.Multiple(() =>
        {
            Assert.That(withShort - prompts, Is.GreaterThanOrEqualTo(
                (2 * PromptTokenCounter.PerMessageOverhead) + counter.Count("read_file") + counter.Count("""{"path":"src/Program.cs"}""") + counter.Count("1: x")));
            Assert.That(withLong - withShort, Is.EqualTo(counter.Count(longResult) - counter.Count("1: x")));
        });
    }

    [Test]
    public void CountConversation_LargerArguments_CountMore()
    {
        static List<ChatMessage> WithWrite(string content) =>
            [new(ChatRole.User, "go"), new(ChatRole.Assistant, [new FunctionCallContent("c", "write_file", new Dictionary<string, object?> { ["path"] = "a", ["content"] = content })])];

        Assert.That(counter.CountConversation(WithWrite(new string('x', 2000)), []), Is.GreaterThan(counter.CountConversation(WithWrite("x"), []) + 100));
    }
}
