using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Autopack.Domain.Budgets;
using Autopack.Executor.Building;
using Autopack.Gateway;
using Autopack.Llm;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;
using Autopack.Storage.Runtime;
using Autopack.Testing;
using Autopack.Workspace.Processes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autopack.Executor.Tests.Building;

/// <summary>
/// An external agent as the builder, a real process: a Python stand-in (standard library only) that loops on chat
/// completions through the metered endpoint until refused, against a loopback provider. Usage stays within the
/// phase cap, the refusal is OpenAI's error object, the agent's environment holds its attempt key and never the
/// real one, its file is in the worktree, and the key dies with the attempt.
/// </summary>
public sealed class ExternalBuilderTests
{
    private const string RealKey = "sk-real-openai-key-for-the-provider-only";
    private const long PhaseCap = 4_000;

    [Test]
    public async Task RunAsync_StandInAgentLoopsUntilRefused_UsageWithinTheCapNoRealKeyAndItsFileInTheWorktree()
    {
        await using var s = await Scenario.StartAsync();
        using var evidence = new TempDirectory("agent-evidence");

        // Variables the executor's own environment may hold: a secret and an Autopack setting the agent must not see.
        var inheritedSecret = $"TEST_{Guid.NewGuid():N}_API_KEY";
        var inheritedSetting = $"AUTOPACK_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(inheritedSecret, "inherited-secret");
        Environment.SetEnvironmentVariable(inheritedSetting, "inherited-setting");
        ExternalBuilderResult result;
        try
        {
            result = await s.Builder.RunAsync(s.Assignment($"python3 \"{AgentScript}\" \"{evidence.Path}\""), CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable(inheritedSecret, null);
            Environment.SetEnvironmentVariable(inheritedSetting, null);
        }

        var environment = JsonNode.Parse(await File.ReadAllTextAsync(evidence.Combine("env.json")))!.AsObject();
        var refusal = JsonNode.Parse(await File.ReadAllTextAsync(evidence.Combine("refusal.json")))!;
        var served = s.StandIn.Received.Count;
        var key = environment["OPENAI_API_KEY"]!.GetValue<string>();
        await TestContext.Out.WriteLineAsync($"agent: {result.OutputTail.Trim()}; used {s.PhaseUsed} of {PhaseCap}");
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, result.OutputTail);
            Assert.That(result.OutputTail, Does.Contain($"{served} calls, then refused"));
            Assert.That(served, Is.GreaterThan(3), "the agent should have made several calls before the cap refused one");
            Assert.That(s.PhaseUsed, Is.LessThanOrEqualTo(PhaseCap), "recorded usage passed the phase cap");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events"), Is.EqualTo(served), "one row per request served");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
            Assert.That(result.Usage, Is.EqualTo(new AttemptUsage(served + 1, 1, s.PhaseUsed)));

            Assert.That(refusal["status"]!.GetValue<int>(), Is.EqualTo(429));
            Assert.That(refusal["body"]!["error"]!["type"]!.GetValue<string>(), Is.EqualTo("insufficient_quota"));
            Assert.That(refusal["body"]!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("insufficient_quota"));
            Assert.That(refusal["body"]!["error"]!["message"]!.GetValue<string>(), Does.Contain("budget"));

            Assert.That(environment.Select(v => v.Value?.ToString()), Has.None.Contains(RealKey), "the real key is in no variable");
            Assert.That(key, Does.StartWith("apk-"));
            Assert.That(environment["ANTHROPIC_API_KEY"]!.GetValue<string>(), Is.EqualTo(key));
            Assert.That(environment["ANTHROPIC_AUTH_TOKEN"]!.GetValue<string>(), Is.EqualTo(key));
            Assert.That(environment["OPENAI_BASE_URL"]!.GetValue<string>(), Does.StartWith("http://127.0.0.1:").And.EndWith("/v1"));
            Assert.That(environment["OPENAI_API_BASE"]!.GetValue<string>(), Is.EqualTo(environment["OPENAI_BASE_URL"]!.GetValue<string>()));
            Assert.That(environment["ANTHROPIC_BASE_URL"]!.GetValue<string>(), Does.StartWith("http://127.0.0.1:"));
            Assert.That(environment["AUTOPACK_RUN_ID"]!.GetValue<string>(), Is.EqualTo("xb-run"));
            Assert.That(environment["AUTOPACK_PHASE_ID"]!.GetValue<string>(), Is.EqualTo("xb-p1"));
            Assert.That(environment["AUTOPACK_MODEL"]!.GetValue<string>(), Is.EqualTo("gpt-attempt-1"));
            Assert.That(environment.ContainsKey(inheritedSecret), Is.False, "inherited secrets are scrubbed");
            Assert.That(environment.ContainsKey(inheritedSetting), Is.False, "Autopack's own settings are not the agent's");
            Assert.That(File.ReadAllText(environment["AUTOPACK_PROMPT_FILE"]!.GetValue<string>()), Does.Contain("Make the tests pass").And.Contain("missing a test"));

            Assert.That(File.ReadAllText(Path.Combine(s.Worktree.Path, "agent-output.txt")), Is.EqualTo($"{served} calls\n"), "the agent's file is in the worktree");
            Assert.That(s.StandIn.Received.All(r => r.Authorization == $"Bearer {RealKey}" && r.Body["model"]!.GetValue<string>() == "gpt-attempt-1"), Is.True);
            Assert.That(File.ReadAllText(s.Files.BuilderLogPath), Does.Contain("then refused"), "the whole output is logged");
        });

        Assert.That(await StatusWithKeyAsync(s, key), Is.EqualTo(HttpStatusCode.Unauthorized), "the key died with the attempt");
    }

    [Test]
    public async Task RunAsync_CancelledWhileTheAgentRuns_KillsItsProcessTreeAndTheKeyStopsWorking()
    {
        await using var s = await Scenario.StartAsync();
        var gateway = await s.Endpoint.StartAttemptAsync(s.Attempt, CancellationToken.None);
        var pidFile = Path.Combine(s.Worktree.Path, "agent.pid");
        using var cancel = new CancellationTokenSource();

        // The agent starts a grandchild and waits on it, as agent CLIs do with their tools.
        var run = s.Builder.RunAsync(s.Assignment("sleep 600 & echo $! > agent.pid; wait"), gateway, cancel.Token);
        Assert.That(await Eventually.TrueAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, TimeSpan.FromSeconds(30)), Is.True);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(await StatusWithKeyAsync(s, gateway.Key), Is.EqualTo(HttpStatusCode.OK), "the key works while the agent runs");

        await cancel.CancelAsync();

        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        Assert.Multiple(async () =>
        {
            Assert.That(await Eventually.TrueAsync(() => !IsAlive(pid), TimeSpan.FromSeconds(10)), Is.True, "the agent's child was killed");
            Assert.That(await StatusWithKeyAsync(s, gateway.Key), Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task RunAsync_AgentOutlivesItsTimeout_TimedOutAndKilled()
    {
        await using var s = await Scenario.StartAsync();

        var result = await s.Builder.RunAsync(s.Assignment("echo working; sleep 600", TimeSpan.FromSeconds(1)), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.TimedOut, Is.True);
            Assert.That(result.ExitCode, Is.Null);
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.OutputTail, Does.Contain("working"));
        });
    }

    private static string AgentScript => Path.Combine(AppContext.BaseDirectory, "Building", "stand_in_agent.py");

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The status of a small request made with <paramref name="key"/>.</summary>
    private static async Task<HttpStatusCode> StatusWithKeyAsync(Scenario s, string key)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{s.Endpoint.BaseUrl}/v1/chat/completions")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":50}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private sealed class Scenario : IAsyncDisposable
    {
        private readonly ProviderPipelines pipelines;

        private Scenario(ProviderStandIn standIn)
        {
            StandIn = standIn;
            var settings = new LlmSettings
            {
                OpenAiBaseUrl = standIn.BaseUrl + "/v1",
                OpenAiApiKey = RealKey,
                AnthropicBaseUrl = standIn.BaseUrl,
            };
            pipelines = new ProviderPipelines(ProviderCatalog.KnownNames, new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(30) }, TimeProvider.System);
            var providers = new ProviderCatalog([new OpenAiChatProvider(new HttpClient { BaseAddress = new Uri(settings.OpenAiBaseUrl + "/") }, "gpt-configured", RealKey)]);
            Endpoint = new MeteredEndpoint(new TokenLedger(Db.Database, TimeProvider.System), providers, pipelines, settings, new BudgetSettings { MinOutputTokens = 64 }, NullLogger<MeteredEndpoint>.Instance);
            Builder = new ExternalBuilder(Endpoint, new CommandRunner(), NullLogger<ExternalBuilder>.Instance);
            Files = new RuntimeFolder(Db.RunsDirectory).Attempt("xb-run", "xb-p1", 1);
        }

        public TestDatabase Db { get; } = new();

        public TempDirectory Worktree { get; } = new("agent-worktree");

        public ProviderStandIn StandIn { get; }

        public MeteredEndpoint Endpoint { get; }

        public ExternalBuilder Builder { get; }

        public AttemptFiles Files { get; }

        public GatewayAttempt Attempt => new("xb-run", "xb-p1", "scaffold", "openai", "gpt-attempt-1", "owner-1");

        public long PhaseUsed => Db.Scalar("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE phase_id = 'xb-p1'");

        public static async Task<Scenario> StartAsync()
        {
            var standIn = await ProviderStandIn.StartAsync();
            var scenario = new Scenario(standIn);
            await scenario.Db.CreateRunAsync(new PlanBuilder("xb-run", 1_000_000).Phase("xb-p1", cap: PhaseCap, provider: "openai").Build());
            return scenario;
        }

        public ExternalBuilderAssignment Assignment(string command, TimeSpan? timeout = null) =>
            new(command, Worktree.Path, timeout ?? TimeSpan.FromMinutes(2), Attempt, "Phase goal: Make the tests pass\nThe previous attempt was rejected:\nmissing a test\n", Files);

        public async ValueTask DisposeAsync()
        {
            await Endpoint.DisposeAsync();
            await pipelines.DisposeAsync();
            await StandIn.DisposeAsync();
            Worktree.Dispose();
            Db.Dispose();
        }
    }
}
