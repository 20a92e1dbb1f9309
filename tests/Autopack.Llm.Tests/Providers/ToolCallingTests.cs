using System.Text.Json;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Llm.Tests.Support;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Tests.Providers;

/// <summary>Native tool calling through both wire formats, against the scripted server: what goes out and what comes back.</summary>
[TestFixtureSource(typeof(WireFormat), nameof(WireFormat.All))]
public sealed class ToolCallingTests(WireFormat format) : WireFormatFixture(format)
{
    private static readonly LlmTool WriteFile = new(
        "write_file",
        "Creates or replaces a file.",
        JsonDocument.Parse("""
            {"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}
            """).RootElement.Clone());

    private static LlmRequest BuilderRequest(params ChatMessage[] more) =>
        new("builder", [new ChatMessage(ChatRole.System, "You build."), new ChatMessage(ChatRole.User, "Add a readme."), .. more], 500) { Tools = [WriteFile] };

    [Test]
    public async Task CompleteAsync_ReplyWithToolCall_ReturnsItsIdNameAndParsedArguments()
    {
        Server.Enqueue(ScriptedReply.Json(Format.ToolCallReply("call-1", "write_file", """{"path":"README.md","content":"# hi"}""", 120, 30)));

        var response = await Format.CreateProvider(Client).CompleteAsync(BuilderRequest(), CancellationToken.None);

        Assert.That(response.ToolCalls, Has.Count.EqualTo(1));
        var call = response.ToolCalls[0];
        Assert.Multiple(() =>
        {
            Assert.That(call.CallId, Is.EqualTo("call-1"));
            Assert.That(call.Name, Is.EqualTo("write_file"));
            Assert.That(call.Arguments!.Keys, Is.EquivalentTo(new[] { "path", "content" }));
            Assert.That(call.Arguments!["path"]?.ToString(), Is.EqualTo("README.md"));
            Assert.That(call.Arguments!["content"]?.ToString(), Is.EqualTo("# hi"));
            Assert.That(response.Text, Is.Empty);
            Assert.That(response.PromptTokens, Is.EqualTo(120));
            Assert.That(response.CompletionTokens, Is.EqualTo(30));
        });
    }

    [Test]
    public async Task CompleteAsync_RequestWithTools_DeclaresThemNativelyWithTheirSchema()
    {
        Server.Enqueue(ScriptedReply.Json(Format.TextReply("ok", 1, 1)));

        await Format.CreateProvider(Client).CompleteAsync(BuilderRequest(), CancellationToken.None);

        var request = Server.Received.Single();
        var tools = request.Body.GetProperty("tools");
        Assert.That(tools.GetArrayLength(), Is.EqualTo(1));

        // OpenAI: {"type":"function","function":{"name","description","parameters"}}; Anthropic: {"name","description","input_schema"}.
        var (declared, schema) = Format == WireFormat.OpenAi
            ? (tools[0].GetProperty("function"), tools[0].GetProperty("function").GetProperty("parameters"))
            : (tools[0], tools[0].GetProperty("input_schema"));
        Assert.Multiple(() =>
        {
            Assert.That(request.Path, Is.EqualTo(Format.ExpectedPath));
            if (Format == WireFormat.OpenAi)
            {
                Assert.That(tools[0].GetProperty("type").GetString(), Is.EqualTo("function"));
            }

            Assert.That(declared.GetProperty("name").GetString(), Is.EqualTo("write_file"));
            Assert.That(declared.GetProperty("description").GetString(), Is.EqualTo("Creates or replaces a file."));
            Assert.That(schema.GetProperty("type").GetString(), Is.EqualTo("object"));
            Assert.That(schema.GetProperty("properties").GetProperty("path").GetProperty("type").GetString(), Is.EqualTo("string"));
            Assert.That(schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "path", "content" }));
        });
    }

    [Test]
    public async Task CompleteAsync_NextTurnWithToolCallAndResult_SendsThemInTheNativeShape()
    {
        Server.Enqueue(
            ScriptedReply.Json(Format.ToolCallReply("call-7", "write_file", """{"path":"README.md","content":"# hi"}""", 100, 20)),
            ScriptedReply.Json(Format.TextReply("done", 150, 5)));
        var provider = Format.CreateProvider(Client);

        // The agent loop's path: the assistant message goes back as it came, followed by the tool's result.
        var first = await provider.CompleteAsync(BuilderRequest(), CancellationToken.None);
        var result = new ChatMessage(ChatRole.Tool, [new FunctionResultContent(first.ToolCalls[0].CallId, "wrote README.md (4 bytes)")]);
        var second = await provider.CompleteAsync(BuilderRequest(first.Message, result), CancellationToken.None);

        Assert.That(second.Text, Is.EqualTo("done"));
        var messages = Server.Received[1].Body.GetProperty("messages");
        if (Format == WireFormat.OpenAi)
        {
            // system, user, assistant with tool_calls, tool
            var assistant = messages[2];
            var toolCall = assistant.GetProperty("tool_calls")[0];
            using var arguments = JsonDocument.Parse(toolCall.GetProperty("function").GetProperty("arguments").GetString()!);
            Assert.Multiple(() =>
            {
                Assert.That(messages.GetArrayLength(), Is.EqualTo(4));
                Assert.That(assistant.GetProperty("role").GetString(), Is.EqualTo("assistant"));
                Assert.That(toolCall.GetProperty("id").GetString(), Is.EqualTo("call-7"));
                Assert.That(toolCall.GetProperty("type").GetString(), Is.EqualTo("function"));
                Assert.That(toolCall.GetProperty("function").GetProperty("name").GetString(), Is.EqualTo("write_file"));
                Assert.That(arguments.RootElement.GetProperty("path").GetString(), Is.EqualTo("README.md"));
                Assert.That(arguments.RootElement.GetProperty("content").GetString(), Is.EqualTo("# hi"));
                Assert.That(messages[3].GetProperty("role").GetString(), Is.EqualTo("tool"));
                Assert.That(messages[3].GetProperty("tool_call_id").GetString(), Is.EqualTo("call-7"));
                Assert.That(ContentText(messages[3].GetProperty("content")), Is.EqualTo("wrote README.md (4 bytes)"));
            });
        }
        else
        {
            // user, assistant with a tool_use block, user with a tool_result block (system is top-level)
            var toolUse = messages[1].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_use");
            var toolResult = messages[2].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_result");
            Assert.Multiple(() =>
            {
                Assert.That(messages.GetArrayLength(), Is.EqualTo(3));
                Assert.That(messages[1].GetProperty("role").GetString(), Is.EqualTo("assistant"));
                Assert.That(toolUse.GetProperty("id").GetString(), Is.EqualTo("call-7"));
                Assert.That(toolUse.GetProperty("name").GetString(), Is.EqualTo("write_file"));
                Assert.That(toolUse.GetProperty("input").GetProperty("path").GetString(), Is.EqualTo("README.md"));
                Assert.That(toolUse.GetProperty("input").GetProperty("content").GetString(), Is.EqualTo("# hi"));
                Assert.That(messages[2].GetProperty("role").GetString(), Is.EqualTo("user"));
                Assert.That(toolResult.GetProperty("tool_use_id").GetString(), Is.EqualTo("call-7"));
                Assert.That(ContentText(toolResult.GetProperty("content")), Is.EqualTo("wrote README.md (4 bytes)"));
            });
        }
    }

    [Test]
    public async Task CompleteAsync_ModelOverride_SendsThatModelInsteadOfTheConfiguredOne()
    {
        Server.Enqueue(ScriptedReply.Json(Format.TextReply("ok", 1, 1)));

        await Format.CreateProvider(Client, model: "configured-model").CompleteAsync(BuilderRequest() with { Model = "attempt-2-model" }, CancellationToken.None);

        Assert.That(Server.Received.Single().Body.GetProperty("model").GetString(), Is.EqualTo("attempt-2-model"));
    }

    [Test]
    public async Task CompleteAsync_NoModelOverride_SendsTheConfiguredModel()
    {
        Server.Enqueue(ScriptedReply.Json(Format.TextReply("ok", 1, 1)));

        await Format.CreateProvider(Client, model: "configured-model").CompleteAsync(BuilderRequest(), CancellationToken.None);

        Assert.That(Server.Received.Single().Body.GetProperty("model").GetString(), Is.EqualTo("configured-model"));
    }

    [Test]
    public async Task CompleteAsync_TwoCalls_EachReportsItsOwnUsage()
    {
        Server.Enqueue(
            ScriptedReply.Json(Format.ToolCallReply("call-1", "write_file", """{"path":"a","content":"b"}""", 111, 22)),
            ScriptedReply.Json(Format.TextReply("done", 333, 44)));
        var provider = Format.CreateProvider(Client);

        var first = await provider.CompleteAsync(BuilderRequest(), CancellationToken.None);
        var second = await provider.CompleteAsync(BuilderRequest(), CancellationToken.None);

        Assert.That(
            new[] { (first.PromptTokens, first.CompletionTokens), (second.PromptTokens, second.CompletionTokens) },
            Is.EqualTo(new[] { (111L, 22L), (333L, 44L) }));
    }

    [Test]
    public async Task CompleteAsync_MaxOutputTokens_AreSentAsTheProvidersLimitField()
    {
        Server.Enqueue(ScriptedReply.Json(Format.TextReply("ok", 1, 1)));

        await Format.CreateProvider(Client).CompleteAsync(BuilderRequest() with { MaxOutputTokens = 1234 }, CancellationToken.None);

        // The OpenAI SDK sends max_completion_tokens (the successor of max_tokens); Anthropic's field is max_tokens.
        var field = Format == WireFormat.OpenAi ? "max_completion_tokens" : "max_tokens";
        Assert.That(Server.Received.Single().Body.GetProperty(field).GetInt32(), Is.EqualTo(1234));
    }

    [Test]
    public async Task CompleteAsync_ServerSlowerThanTheAttemptTimeout_FailsAsATransientTimeout()
    {
        var options = new ResilienceOptions { MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromMilliseconds(300) };
        await using var pipelines = new ProviderPipelines([Format.Name], options, TimeProvider.System);
        Server.Enqueue(
            new ScriptedReply(200, Format.TextReply("late", 1, 1), TimeSpan.FromSeconds(20)),
            new ScriptedReply(200, Format.TextReply("late", 1, 1), TimeSpan.FromSeconds(20)));

        var ex = Assert.ThrowsAsync<ProviderException>(() => pipelines.ExecuteAsync(Format.CreateProvider(Client), BuilderRequest(), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.Timeout));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(Server.Hits, Is.EqualTo(2), "one retry, and the SDK adds none");
        });
    }

    [TestCase(429, ProviderErrorKind.RateLimited)]
    [TestCase(503, ProviderErrorKind.ServerError)]
    [TestCase(529, ProviderErrorKind.ServerError)]
    [TestCase(401, ProviderErrorKind.ClientError)]
    public void CompleteAsync_ErrorStatus_IsSentOnceAndCarriesTheProvidersMessage(int status, ProviderErrorKind kind)
    {
        Server.Enqueue(ScriptedReply.Error(status, """{"type":"error","error":{"type":"scripted_error","message":"quota for org-9 used up"}}"""));

        var ex = Assert.ThrowsAsync<ProviderException>(() => Format.CreateProvider(Client).CompleteAsync(BuilderRequest(), CancellationToken.None));

        // A retry inside the SDK would happen before the exception surfaces.
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(kind));
            Assert.That(ex.Provider, Is.EqualTo(Format.Name));
            Assert.That(ex.Message, Does.Contain($"HTTP {status}").And.Contain("quota for org-9 used up"));
            Assert.That(Server.Hits, Is.EqualTo(1), "the SDK's own retries are off; Polly is the one layer");
        });
    }

    /// <summary>Tool-result content as text: a plain string, or the text of its blocks.</summary>
    private static string ContentText(JsonElement content) => content.ValueKind == JsonValueKind.String
        ? content.GetString()!
        : string.Concat(content.EnumerateArray().Select(b => b.GetProperty("text").GetString()));
}
