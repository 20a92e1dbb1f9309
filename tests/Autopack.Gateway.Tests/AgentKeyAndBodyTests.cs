using Autopack.Gateway.Tests.Support;

namespace Autopack.Gateway.Tests;

/// <summary>
/// What an agent cannot get past: a wrong or expired key gets the API's own 401, a body that is not a request gets
/// the API's own 400 naming the field, and neither reaches the provider, reserves anything or writes a row.
/// </summary>
public sealed class AgentKeyAndBodyTests
{
    [Test]
    public async Task ChatCompletions_WrongKeys_401InOpenAisFormat()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai");
        var body = AgentClient.ChatRequest("hi", stream: false).ToJsonString();
        var wrongSecret = gateway.Key[..^4] + "AAAA";

        foreach (var key in new[] { "", "sk-something-else", GatewayScenario.OpenAiKey, wrongSecret, "apk-0000000000000000-x" })
        {
            var reply = await AgentClient.OpenAiAsync(gateway, body, key);

            Assert.Multiple(() =>
            {
                Assert.That(reply.Status, Is.EqualTo(401), key);
                Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("invalid_request_error"));
                Assert.That(reply.Json!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("invalid_api_key"));
            });
        }

        Assert.Multiple(() =>
        {
            Assert.That(s.StandIn.Received, Is.Empty);
            Assert.That(s.UsageRows, Is.Zero);
            Assert.That(gateway.Usage.Requests, Is.Zero);
        });
    }

    [Test]
    public async Task Messages_WrongKey_401InAnthropicsFormat()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("anthropic");

        var reply = await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: true).ToJsonString(), "sk-ant-wrong");

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(401));
            Assert.That(reply.Json!["type"]!.GetValue<string>(), Is.EqualTo("error"));
            Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("authentication_error"));
            Assert.That(s.StandIn.Received, Is.Empty);
        });
    }

    [Test]
    public async Task Messages_KeyAsBearerToken_Accepted()
    {
        // Claude Code sends ANTHROPIC_AUTH_TOKEN as "Authorization: Bearer".
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("anthropic");

        var reply = await AgentClient.PostAsync($"{gateway.AnthropicBaseUrl}/v1/messages", AgentClient.MessagesRequest("hi", stream: false).ToJsonString(), request =>
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", gateway.Key);
            request.Headers.Add("anthropic-version", "2023-06-01");
        });

        Assert.That(reply.Status, Is.EqualTo(200), reply.Body);
    }

    [Test]
    public async Task ChatCompletions_KeyOfAStoppedAttempt_401AndTheNextAttemptsKeyWorks()
    {
        await using var s = await GatewayScenario.StartAsync();
        var first = await s.AttemptAsync("openai");
        var body = AgentClient.ChatRequest("hi", stream: false).ToJsonString();
        Assert.That((await AgentClient.OpenAiAsync(first, body)).Status, Is.EqualTo(200));

        await first.StopAsync();
        await using var second = await s.AttemptAsync("openai");
        var expired = await AgentClient.OpenAiAsync(first, body);
        var current = await AgentClient.OpenAiAsync(second, body);

        Assert.Multiple(() =>
        {
            Assert.That(second.BaseUrl, Is.EqualTo(first.BaseUrl), "one endpoint per executor, a key per attempt");
            Assert.That(second.Key, Is.Not.EqualTo(first.Key));
            Assert.That(expired.Status, Is.EqualTo(401));
            Assert.That(expired.Json!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("invalid_api_key"));
            Assert.That(current.Status, Is.EqualTo(200));
            Assert.That(s.StandIn.Received, Has.Count.EqualTo(2));
        });
    }

    [TestCase("not json at all", "body")]
    [TestCase("[1, 2]", "body")]
    [TestCase("""{"model":"m"}""", "messages")]
    [TestCase("""{"messages":"hello"}""", "messages")]
    [TestCase("""{"messages":[]}""", "messages")]
    [TestCase("""{"messages":[{"content":"hi"}]}""", "messages[0].role")]
    [TestCase("""{"messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role")]
    [TestCase("""{"messages":[{"role":"user","content":42}]}""", "messages[0].content")]
    [TestCase("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":-5}""", "max_tokens")]
    [TestCase("""{"messages":[{"role":"user","content":"hi"}],"max_completion_tokens":"lots"}""", "max_completion_tokens")]
    [TestCase("""{"messages":[{"role":"user","content":"hi"}],"n":3}""", "n")]
    [TestCase("""{"messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "stream")]
    [TestCase("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"description":"no name"}}]}""", "tools[0].function.name")]
    [TestCase("""{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function"}]}]}""", "messages[0].tool_calls[0].function")]
    public async Task ChatCompletions_MalformedBody_400InOpenAisFormatNamingTheField(string body, string field)
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.OpenAiAsync(gateway, body);

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(400), reply.Body);
            Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("invalid_request_error"));
            Assert.That(reply.Json!["error"]!["param"]!.GetValue<string>(), Is.EqualTo(field));
            Assert.That(reply.Json!["error"]!["message"]!.GetValue<string>(), Does.StartWith(field + ":"));
            Assert.That(s.StandIn.Received, Is.Empty);
            Assert.That(s.Reservations + s.UsageRows, Is.Zero);
        });
    }

    [TestCase("{", "body")]
    [TestCase("""{"messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [TestCase("""{"max_tokens":100,"messages":[{"role":"system","content":"hi"}]}""", "messages[0].role")]
    [TestCase("""{"max_tokens":100,"messages":[{"role":"user"}]}""", "messages[0].content")]
    [TestCase("""{"max_tokens":100,"messages":[{"role":"user","content":[{"text":"no type"}]}]}""", "messages[0].content[0].type")]
    [TestCase("""{"max_tokens":100,"system":7,"messages":[{"role":"user","content":"hi"}]}""", "system")]
    public async Task Messages_MalformedBody_400InAnthropicsFormatNamingTheField(string body, string field)
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("anthropic");

        var reply = await AgentClient.AnthropicAsync(gateway, body);

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(400), reply.Body);
            Assert.That(reply.Json!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("invalid_request_error"));
            Assert.That(reply.Json!["error"]!["message"]!.GetValue<string>(), Does.StartWith(field + ":"));
            Assert.That(s.StandIn.Received, Is.Empty);
            Assert.That(s.Reservations + s.UsageRows, Is.Zero);
        });
    }

    [Test]
    public async Task Messages_ToAnOpenAiAttempt_400NamingTheVariableToUse()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai");

        var reply = await AgentClient.AnthropicAsync(gateway, AgentClient.MessagesRequest("hi", stream: false).ToJsonString());

        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(400));
            Assert.That(reply.Json!["error"]!["message"]!.GetValue<string>(), Does.Contain("OPENAI_BASE_URL"));
            Assert.That(s.StandIn.Received, Is.Empty);
        });
    }

    [Test]
    public async Task UnknownPath_404InTheFormatOfTheClient()
    {
        await using var s = await GatewayScenario.StartAsync();
        await using var gateway = await s.AttemptAsync("openai");

        var unknown = await AgentClient.PostAsync($"{gateway.BaseUrl}/v1/responses", "{}", r => r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", gateway.Key));

        Assert.Multiple(() =>
        {
            Assert.That(unknown.Status, Is.EqualTo(404));
            Assert.That(unknown.Json!["error"]!["message"]!.GetValue<string>(), Does.Contain("/v1/responses"));
        });
    }

    [Test]
    public void StartAttempt_OfflineProvider_Refused()
    {
        Assert.That(async () =>
        {
            await using var s = await GatewayScenario.StartAsync();
            await s.AttemptAsync("offline");
        }, Throws.ArgumentException.With.Message.Contains("offline"));
    }
}
