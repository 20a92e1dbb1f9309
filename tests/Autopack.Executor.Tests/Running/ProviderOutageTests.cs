using Autopack.Executor.Tests.Support;
using Autopack.Llm;
using Autopack.Testing;

namespace Autopack.Executor.Tests.Running;

/// <summary>
/// Provider outages against a real OpenAI-compatible server on loopback, with the production resilience defaults:
/// the phase waits without using an attempt, the breaker opens, and an outage past the pause limit pauses the run.
/// Every HTTP attempt the provider may have billed leaves a usage row.
/// </summary>
public class ProviderOutageTests
{
    [Test]
    public async Task Execute_OutageOfFifteenSecondsWithDefaults_BreakerOpensAndRunSucceedsWithOneAttempt()
    {
        using var s = new ExecutorScenario();
        var healthyAt = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(15);
        await using var server = await FlakyChatServer.StartAsync(_ => TimeProvider.System.GetUtcNow() < healthyAt ? FlakyReply.Unavailable : FlakyReply.Ok);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("out-1").Phase("out-1-a", provider: "openai").Build());
        using var watching = new CancellationTokenSource();
        var sawOpen = WatchForOpenBreakerAsync(s, watching.Token);

        var outcome = await s.ExecuteInProcessAsync(runId, settings: OpenAi(s, server));
        await watching.CancelAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(await sawOpen, Is.True, "the breaker /health reads (circuit_breakers) showed open during the outage");
            Assert.That(s.Db.Scalar("SELECT attempts FROM phases WHERE phase_id = 'out-1-a'"), Is.EqualTo(1), "the outage used no attempt");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'phase_waiting' AND phase_id = 'out-1-a'"), Is.EqualTo(1));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'phase_resumed' AND phase_id = 'out-1-a'"), Is.EqualTo(1));
            Assert.That(s.Text("SELECT message FROM events WHERE kind = 'phase_waiting'"), Does.Contain("HTTP 503"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 1"), Is.Zero, "503 answers are not billed");
        });
    }

    [Test]
    public async Task Execute_OutagePastThePauseLimit_RunPausedWithTheReasonAndLaterExecuteFinishes()
    {
        using var s = new ExecutorScenario();
        var healthy = false;
        await using var server = await FlakyChatServer.StartAsync(_ => Volatile.Read(ref healthy) ? FlakyReply.Ok : FlakyReply.Unavailable);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("out-2").Phase("out-2-a", provider: "openai").Build());
        var settings = OpenAi(s, server) with { OutagePauseSeconds = 3 };

        var paused = await s.ExecuteInProcessAsync(runId, settings: settings);

        Assert.Multiple(() =>
        {
            Assert.That(paused.ExitCode, Is.Zero, paused.Message);
            Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
            Assert.That(s.Text($"SELECT failure_reason FROM runs WHERE run_id = '{runId}'"), Does.Contain("provider openai unavailable"));
            Assert.That(s.PhaseStatus("out-2-a"), Is.EqualTo("QUEUED"));
            Assert.That(s.Db.Scalar("SELECT attempts FROM phases WHERE phase_id = 'out-2-a'"), Is.Zero, "the interrupted attempt is not counted");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        });

        Volatile.Write(ref healthy, true);
        var resumed = await s.ExecuteInProcessAsync(runId, settings: settings);

        Assert.That(resumed.ExitCode, Is.Zero, resumed.Message);
        Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
        Assert.That(s.Db.Scalar("SELECT attempts FROM phases WHERE phase_id = 'out-2-a'"), Is.EqualTo(1));
    }

    [TestCase(FlakyReply.Hang)]
    [TestCase(FlakyReply.Drop)]
    public async Task Execute_AttemptsTheProviderMayHaveBilled_EachLeavesAnEstimatedUsageRowWithinTheCaps(FlakyReply failure)
    {
        using var s = new ExecutorScenario();
        await using var server = await FlakyChatServer.StartAsync(call => call <= 2 ? failure : FlakyReply.Ok);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("out-3", runCap: 20_000).Phase("out-3-a", cap: 10_000, provider: "openai").Build());
        var openAi = OpenAi(s, server);
        var settings = openAi with { Llm = openAi.Llm with { ProviderTimeoutSeconds = 1 } };

        var outcome = await s.ExecuteInProcessAsync(runId, settings: settings);

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        var attempts = server.Received.Count;
        Assert.Multiple(() =>
        {
            Assert.That(s.RunStatus(runId), Is.EqualTo("DONE_SUCCESS"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events"), Is.EqualTo(attempts), "a usage row for every HTTP attempt");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 1 AND prompt_tokens > 0 AND completion_tokens = 0"), Is.EqualTo(2));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 0 AND prompt_tokens = 50"), Is.EqualTo(attempts - 2));
            Assert.That(s.Db.Scalar("SELECT sum(prompt_tokens + completion_tokens) FROM llm_usage_events"), Is.LessThanOrEqualTo(10_000));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
            Assert.That(s.Db.Scalar("SELECT attempts FROM phases WHERE phase_id = 'out-3-a'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Execute_ConnectionRefused_NothingChargedAndNoReservationLeft()
    {
        using var s = new ExecutorScenario();
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("out-4").Phase("out-4-a", provider: "openai").Build());
        var settings = s.Settings() with { Llm = new LlmSettings { OpenAiBaseUrl = $"http://127.0.0.1:{FreePort.Next()}/v1", OpenAiApiKey = "k" }, OutagePauseSeconds = 1 };

        var outcome = await s.ExecuteInProcessAsync(runId, settings: settings);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
            Assert.That(s.RunStatus(runId), Is.EqualTo("PAUSED"));
            Assert.That(s.Db.Scalar("SELECT count(*) FROM llm_usage_events"), Is.Zero, "nothing was sent, so nothing can have been billed");
            Assert.That(s.Db.Scalar("SELECT count(*) FROM token_reservations"), Is.Zero);
        });
    }

    [Test]
    public async Task Execute_RateLimitedWithRetryAfter_NextAttemptWaitsAtLeastThatLong()
    {
        using var s = new ExecutorScenario();
        await using var server = await FlakyChatServer.StartAsync(call => call == 1 ? FlakyReply.RateLimited : FlakyReply.Ok);
        var runId = await s.Db.CreateRunAsync(new PlanBuilder("out-5").Phase("out-5-a", provider: "openai").Build());

        var outcome = await s.ExecuteInProcessAsync(runId, settings: OpenAi(s, server));

        Assert.That(outcome.ExitCode, Is.Zero, outcome.Message);
        var received = server.Received;
        Assert.That(received[0].Reply, Is.EqualTo(FlakyReply.RateLimited));
        Assert.That(received[1].At - received[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9)), "Retry-After: 2 was honoured");
    }

    private static ExecutorSettings OpenAi(ExecutorScenario s, FlakyChatServer server) =>
        s.Settings() with { Llm = new LlmSettings { OpenAiBaseUrl = $"{server.BaseUrl}/v1", OpenAiApiKey = "test-openai-key" } };

    private static async Task<bool> WatchForOpenBreakerAsync(ExecutorScenario s, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (s.Db.Scalar("SELECT count(*) FROM circuit_breakers WHERE name = 'openai' AND state = 'open'") > 0)
            {
                return true;
            }

            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return false;
    }
}
