using Autopack.Executor.Calls;
using Autopack.Executor.Tests.Support;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Autopack.Executor.Tests.Calls;

/// <summary>
/// A 2xx reply the provider may have billed but whose body is not a usable answer (issue 13, item 5): garbage JSON,
/// an empty body, no usage, negative or absurd usage. Through the real OpenAI and Anthropic clients against a
/// loopback stand-in: the call fails as malformed, its reservation is settled as an estimated charge of the counted
/// prompt (never 0, never the reported nonsense), and nothing negative is stored.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public sealed class MalformedReplyChargeTests
{
    private const string System = "You are the auditor.";
    private const string User = "Review the change to the health endpoint.";

    // A malformed reply is retried like any transient failure: two HTTP attempts, two rows.
    private static readonly ResilienceOptions OneRetry = BudgetScenario.FastResilience with { MaxRetryAttempts = 1 };

    public static IEnumerable<TestCaseData> Replies()
    {
        var openAiText = """{"id":"x","object":"chat.completion","model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"APPROVED"},"finish_reason":"stop"}]""";
        var anthropicText = """{"id":"m","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"APPROVED"}],"stop_reason":"end_turn" """;
        foreach (var (name, body) in new (string, string)[]
        {
            ("garbage", "{\"choices\": [ {\"mess"),
            ("empty", ""),
            ("no usage", openAiText + "}"),
            ("negative usage", openAiText + ""","usage":{"prompt_tokens":-400,"completion_tokens":-7,"total_tokens":-407}}"""),
            ("absurd usage", openAiText + ""","usage":{"prompt_tokens":900000000,"completion_tokens":5,"total_tokens":900000005}}"""),
            ("no prompt tokens", openAiText + ""","usage":{"prompt_tokens":0,"completion_tokens":5,"total_tokens":5}}"""),
        })
        {
            yield return new TestCaseData("openai", body).SetArgDisplayNames("openai", name);
        }

        foreach (var (name, body) in new (string, string)[]
        {
            ("garbage", "<html>502 bad gateway</html>"),
            ("empty", ""),
            ("no usage", anthropicText + "}"),
            ("negative usage", anthropicText + ""","usage":{"input_tokens":-400,"output_tokens":-7}}"""),
            ("absurd usage", anthropicText + ""","usage":{"input_tokens":30,"output_tokens":800000000}}"""),
        })
        {
            yield return new TestCaseData("anthropic", body).SetArgDisplayNames("anthropic", name);
        }
    }

    [TestCaseSource(nameof(Replies))]
    public async Task CallAsync_UnusableReply_FailsAsMalformedAndChargesTheEstimatedPrompt(string providerName, string body)
    {
        await using var scenario = new BudgetScenario(maxOutputTokens: 200, minOutputTokens: 20);
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", (HttpContext c) => Reply(c, body));
            app.MapPost("/v1/messages", (HttpContext c) => Reply(c, body));
        });
        using var http = new HttpClient { BaseAddress = new Uri(providerName == "openai" ? $"{server.BaseUrl}/v1/" : $"{server.BaseUrl}/"), Timeout = Timeout.InfiniteTimeSpan };
        ILlmProvider provider = providerName == "openai"
            ? new OpenAiChatProvider(http, "gpt-test", "test-key")
            : new AnthropicMessagesProvider(http, "claude-test", "test-key");
        var client = scenario.Client([provider], OneRetry, out _);

        var ex = Assert.ThrowsAsync<ProviderException>(() => client.CallAsync(new CallTarget("r1", "p1", "p1", providerName, "owner-1"), "auditor", System, User, false, CancellationToken.None));

        var prompt = scenario.Counter.CountPrompt(System, User);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.MalformedResponse), ex.Message);
            Assert.That(scenario.UsageRows, Is.EqualTo(2), "one row per HTTP attempt, the retry included");
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 1"), Is.EqualTo(2), "each charged as an estimate");
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE prompt_tokens = " + prompt), Is.EqualTo(2), "the counted prompt, not 0 and not what the reply claimed");
            Assert.That(scenario.Db.Scalar("SELECT max(completion_tokens) FROM llm_usage_events"), Is.Zero);
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE prompt_tokens < 0 OR completion_tokens < 0"), Is.Zero);
            Assert.That(scenario.Reservations, Is.Zero);
        });
    }

    [Test]
    public async Task CallAsync_ScriptedProviderReportsUsageOverTenTimesTheReservation_RefusedAsMalformedAndEstimated()
    {
        await using var scenario = new BudgetScenario(maxOutputTokens: 200, minOutputTokens: 20);
        await scenario.Db.CreateRunAsync(new PlanBuilder("r1", runCap: 100_000).Phase("p1", cap: 50_000).Build());
        var provider = ScriptedLlmProvider.Reporting(5_000, 10);
        var client = scenario.Client([provider], OneRetry, out _);

        var ex = Assert.ThrowsAsync<ProviderException>(() => client.CallAsync(new CallTarget("r1", "p1", "p1", provider.Name, "owner-1"), "builder", System, User, false, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.MalformedResponse));
            Assert.That(ex.Message, Does.Contain("5010"));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 1"), Is.EqualTo(2));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE prompt_tokens = " + scenario.Counter.CountPrompt(System, User)), Is.EqualTo(2));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'budget_overrun'"), Is.Zero, "nonsense is refused, not clamped and stored");
        });
    }

    private static async Task Reply(HttpContext context, string body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }
}
