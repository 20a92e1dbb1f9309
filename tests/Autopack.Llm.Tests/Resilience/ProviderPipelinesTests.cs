using System.Collections.Concurrent;
using System.Diagnostics;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Llm.Tests.Support;
using Autopack.Testing;

namespace Autopack.Llm.Tests.Resilience;

/// <summary>The per-provider pipelines against a real HTTP server: retries, the per-attempt timeout and the breaker.</summary>
public sealed class ProviderPipelinesTests
{
    private static readonly ResilienceOptions Fast = new()
    {
        FailureRatio = 0.5,
        // The breaker counts HTTP attempts: two calls of three failed attempts each open it.
        MinimumThroughput = 6,
        SamplingDuration = TimeSpan.FromSeconds(30),
        BreakDuration = TimeSpan.FromSeconds(1),
        MaxRetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    private static readonly LlmRequest Request = LlmRequest.FromPrompts("builder", "You build.", "Do the phase.", 64);

    private readonly ConcurrentQueue<BreakerSnapshot> changes = new();
    private ScriptedProviderServer server = null!;
    private HttpClient client = null!;
    private OpenAiChatProvider provider = null!;

    [SetUp]
    public async Task StartServer()
    {
        changes.Clear();
        server = await ScriptedProviderServer.StartAsync();
        client = server.CreateClient();
        provider = new OpenAiChatProvider(client, "gpt-test", "sk-test-key");
    }

    [TearDown]
    public async Task StopServer()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Test]
    public async Task ExecuteAsync_TransientErrorsThenSuccess_RetriesUntilItSucceeds()
    {
        await using var pipelines = NewPipelines(Fast);
        server.Enqueue(ScriptedReply.Error(500), ScriptedReply.Error(429), ScriptedReply.Json(WireFormats.OpenAiReply("ok", 10, 2)));

        var response = await pipelines.ExecuteAsync(provider, Request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("ok"));
            Assert.That(server.Hits, Is.EqualTo(3));
            Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("closed"));
            Assert.That(pipelines.Snapshot("openai").ConsecutiveFailures, Is.Zero);
        });
    }

    [TestCase(503)]
    [TestCase(529)]
    public async Task ExecuteAsync_TransientErrorEveryTime_GivesUpAfterMaxRetriesWithTheLastError(int status)
    {
        await using var pipelines = NewPipelines(Fast);
        server.Enqueue(ScriptedReply.Error(status), ScriptedReply.Error(status), ScriptedReply.Error(status), ScriptedReply.Json(WireFormats.OpenAiReply("too late", 1, 1)));

        var ex = Assert.ThrowsAsync<ProviderException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.ServerError));
            Assert.That(server.Hits, Is.EqualTo(1 + Fast.MaxRetryAttempts));
            Assert.That(pipelines.Snapshot("openai").ConsecutiveFailures, Is.EqualTo(1 + Fast.MaxRetryAttempts), "every HTTP attempt counts");
        });
    }

    [TestCase(401)]
    [TestCase(400)]
    public async Task ExecuteAsync_ClientError_IsNotRetried(int status)
    {
        await using var pipelines = NewPipelines(Fast);
        server.Enqueue(ScriptedReply.Error(status), ScriptedReply.Json(WireFormats.OpenAiReply("must not be reached", 1, 1)));

        var ex = Assert.ThrowsAsync<ProviderException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.ClientError));
            Assert.That(server.Hits, Is.EqualTo(1));
            Assert.That(pipelines.Snapshot("openai").ConsecutiveFailures, Is.Zero);
        });
    }

    [Test]
    public async Task ExecuteAsync_ClientErrors_DoNotOpenTheBreaker()
    {
        await using var pipelines = NewPipelines(Fast);
        server.Enqueue(ScriptedReply.Error(401), ScriptedReply.Error(401), ScriptedReply.Error(401), ScriptedReply.Json(WireFormats.OpenAiReply("ok", 1, 1)));

        for (var i = 0; i < 3; i++)
        {
            Assert.ThrowsAsync<ProviderException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));
        }

        var response = await pipelines.ExecuteAsync(provider, Request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("ok"));
            Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("closed"));
        });
    }

    [Test]
    public async Task ExecuteAsync_ReplySlowerThanAttemptTimeout_ThrowsTimeout()
    {
        // Polly needs at least one retry; both attempts are slow.
        await using var pipelines = NewPipelines(Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(300), MaxRetryAttempts = 1 });
        var slow = new ScriptedReply(200, WireFormats.OpenAiReply("late", 1, 1), TimeSpan.FromSeconds(20));
        server.Enqueue(slow, slow);
        var stopwatch = Stopwatch.StartNew();

        var ex = Assert.ThrowsAsync<ProviderException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ProviderErrorKind.Timeout));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.InnerException, Is.InstanceOf<Polly.Timeout.TimeoutRejectedException>());
            Assert.That(server.Hits, Is.EqualTo(2), "a timed-out attempt is retried");
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(pipelines.Snapshot("openai").ConsecutiveFailures, Is.EqualTo(2), "each timed-out attempt counts");
        });
    }

    [Test]
    public async Task ExecuteAsync_FirstAttemptTimesOut_RetriesAndSucceeds()
    {
        await using var pipelines = NewPipelines(Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(300) });
        server.Enqueue(new ScriptedReply(200, WireFormats.OpenAiReply("late", 1, 1), TimeSpan.FromSeconds(20)), ScriptedReply.Json(WireFormats.OpenAiReply("on time", 1, 1)));

        var response = await pipelines.ExecuteAsync(provider, Request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("on time"));
            Assert.That(server.Hits, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ExecuteAsync_CallerCancels_ThrowsOperationCanceledWithoutRetryOrBreakerFailure()
    {
        await using var pipelines = NewPipelines(Fast);
        server.Enqueue(new ScriptedReply(200, WireFormats.OpenAiReply("late", 1, 1), TimeSpan.FromSeconds(20)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(async () => await pipelines.ExecuteAsync(provider, Request, cts.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.Multiple(() =>
        {
            Assert.That(server.Hits, Is.EqualTo(1));
            Assert.That(pipelines.Snapshot("openai").ConsecutiveFailures, Is.Zero);
            Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("closed"));
        });
    }

    [Test]
    public async Task ExecuteAsync_RepeatedFailures_OpenTheBreakerAndLaterCallsNeverReachTheServer()
    {
        await using var pipelines = NewPipelines(Fast);
        var hitsToOpen = await OpenBreakerAsync(pipelines);

        Assert.ThrowsAsync<ProviderUnavailableException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));
        Assert.ThrowsAsync<ProviderUnavailableException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));

        var snapshot = pipelines.Snapshot("openai");
        Assert.Multiple(() =>
        {
            Assert.That(hitsToOpen, Is.EqualTo(Fast.MinimumThroughput), "the breaker counts HTTP attempts, retries included");
            Assert.That(server.Hits, Is.EqualTo(hitsToOpen), "an open breaker must not let calls through");
            Assert.That(snapshot.State, Is.EqualTo("open"));
            Assert.That(snapshot.OpenedAt, Is.Not.Null);
            Assert.That(snapshot.ConsecutiveFailures, Is.EqualTo(Fast.MinimumThroughput));
        });
        Assert.That(await Eventually.TrueAsync(() => changes.Any(c => c is { Name: "openai", State: "open" })), Is.True, "StateChanged should report the opening");
    }

    [Test]
    public async Task ExecuteAsync_BreakerOpen_ThrowsProviderUnavailableNamingTheProviderAndWhenItRetries()
    {
        await using var pipelines = NewPipelines(Fast);
        await OpenBreakerAsync(pipelines);

        var ex = Assert.ThrowsAsync<ProviderUnavailableException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Provider, Is.EqualTo("openai"));
            Assert.That(ex.RetryAfter, Is.Not.Null.And.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(Fast.BreakDuration));
            Assert.That(ex.GetType().Assembly, Is.EqualTo(typeof(ProviderException).Assembly), "no Polly type leaves Llm");
            Assert.That(ex.Message, Does.Contain("openai").And.Contain("circuit breaker is open"));
        });
    }

    /// <summary>The executor publishes the snapshot StateChanged carries; it must count the failure that opened the breaker.</summary>
    [Test]
    public async Task StateChanged_BreakerOpens_SnapshotCountsEveryFailureThatOpenedIt()
    {
        await using var pipelines = NewPipelines(Fast);

        await OpenBreakerAsync(pipelines);

        Assert.That(await Eventually.TrueAsync(() => changes.Any(c => c.State == "open")), Is.True);
        Assert.That(changes.Single(c => c.State == "open").ConsecutiveFailures, Is.EqualTo(Fast.MinimumThroughput));
    }

    [Test]
    public async Task ExecuteAsync_AfterBreakDurationASuccessfulTrial_ClosesTheBreaker()
    {
        await using var pipelines = NewPipelines(Fast);
        await OpenBreakerAsync(pipelines);
        Assert.ThrowsAsync<ProviderUnavailableException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));

        await Task.Delay(Fast.BreakDuration + TimeSpan.FromMilliseconds(200));
        server.Enqueue(ScriptedReply.Json(WireFormats.OpenAiReply("recovered", 1, 1)));
        var response = await pipelines.ExecuteAsync(provider, Request, CancellationToken.None);

        var snapshot = pipelines.Snapshot("openai");
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("recovered"));
            Assert.That(snapshot.State, Is.EqualTo("closed"));
            Assert.That(snapshot.OpenedAt, Is.Null);
            Assert.That(snapshot.ConsecutiveFailures, Is.Zero);
        });
        Assert.That(await Eventually.TrueAsync(() => changes.Any(c => c.State == "closed")), Is.True);
        Assert.That(changes.Select(c => c.State).ToList(), Is.EqualTo(new[] { "open", "half_open", "closed" }));
    }

    [Test]
    public async Task ExecuteAsync_AfterBreakDurationAFailedTrial_OpensTheBreakerAgain()
    {
        await using var pipelines = NewPipelines(Fast);
        await OpenBreakerAsync(pipelines);

        await Task.Delay(Fast.BreakDuration + TimeSpan.FromMilliseconds(200));
        server.Enqueue(ScriptedReply.Error(503), ScriptedReply.Error(503), ScriptedReply.Error(503));
        var before = server.Hits;

        // The trial attempt fails and opens the breaker again, so the call's own retry finds it open.
        Assert.ThrowsAsync<ProviderUnavailableException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));
        var hits = server.Hits;
        Assert.That(hits, Is.EqualTo(before + 1), "only the trial attempt reached the server");

        Assert.ThrowsAsync<ProviderUnavailableException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("open"));
            Assert.That(server.Hits, Is.EqualTo(hits));
        });
    }

    [Test]
    public async Task ResetAsync_OpenBreaker_ClosesItAtOnce()
    {
        await using var pipelines = NewPipelines(Fast with { BreakDuration = TimeSpan.FromMinutes(5) });
        await OpenBreakerAsync(pipelines);
        var hits = server.Hits;

        await pipelines.ResetAsync("openai");

        Assert.That(pipelines.Snapshot("openai"), Is.EqualTo(new BreakerSnapshot("openai", "closed", 0, null)));
        server.Enqueue(ScriptedReply.Json(WireFormats.OpenAiReply("through again", 1, 1)));
        var response = await pipelines.ExecuteAsync(provider, Request, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("through again"));
            Assert.That(server.Hits, Is.EqualTo(hits + 1));
        });
        Assert.That(await Eventually.TrueAsync(() => changes.Any(c => c.State == "closed")), Is.True, "StateChanged should report the reset");
    }

    [Test]
    public async Task ResetAsync_NoName_ClosesEveryBreaker()
    {
        await using var pipelines = NewPipelines(Fast with { BreakDuration = TimeSpan.FromMinutes(5) });
        await OpenBreakerAsync(pipelines);

        await pipelines.ResetAsync(null);

        Assert.That(pipelines.Snapshot().Select(s => s.State), Is.All.EqualTo("closed"));
    }

    [Test]
    public async Task ExecuteAsync_OneProvidersBreakerOpen_OtherProvidersStillCallThrough()
    {
        await using var pipelines = NewPipelines(Fast with { BreakDuration = TimeSpan.FromMinutes(5) });
        await OpenBreakerAsync(pipelines);
        using var otherClient = server.CreateClient();
        var other = new AnthropicMessagesProvider(otherClient, "claude-test", "ak");
        server.Enqueue(ScriptedReply.Json(WireFormats.AnthropicReply("fine", 1, 1)));

        var response = await pipelines.ExecuteAsync(other, Request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("fine"));
            Assert.That(pipelines.Snapshot("anthropic").State, Is.EqualTo("closed"));
            Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("open"));
        });
    }

    /// <summary>
    /// The pipeline of a provider is built by the registry on first use. Concurrent first calls (several phases, or a
    /// builder and an auditor, calling one provider at once) must all go through one pipeline and one breaker.
    /// </summary>
    [Test]
    public async Task ExecuteAsync_ConcurrentFirstCalls_AllGoThroughOnePipeline()
    {
        var provider = ScriptedLlmProvider.Reporting(1, 1);
        var failures = new ConcurrentQueue<Exception>();
        for (var round = 0; round < 200 && failures.IsEmpty; round++)
        {
            await using var pipelines = new ProviderPipelines([provider.Name], Fast, TimeProvider.System);
            using var start = new Barrier(8);
            var callers = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                try
                {
                    pipelines.ExecuteAsync(provider, Request, CancellationToken.None).GetAwaiter().GetResult();
                }
                catch (InvalidOperationException ex)
                {
                    failures.Enqueue(ex);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            await Task.WhenAll(callers);
        }

        Assert.That(failures.Select(f => f.Message).Distinct(), Is.Empty, "a first call failed while another one was building the pipeline");
    }

    /// <summary>
    /// A provider's pipeline is built at its first call: before that its breaker reads closed, a reset (the heartbeat
    /// applies operators' resets at any time) is harmless, and the breaker built afterwards opens and resets as usual.
    /// </summary>
    [Test]
    public async Task ResetAsync_BeforeAnyCall_LeavesBreakersClosedAndTheFirstBuiltBreakerWorks()
    {
        await using var pipelines = NewPipelines(Fast with { BreakDuration = TimeSpan.FromMinutes(5) });

        await pipelines.ResetAsync(null);

        Assert.That(pipelines.Snapshot().Select(s => (s.State, s.ConsecutiveFailures)), Is.All.EqualTo(("closed", 0)));
        await OpenBreakerAsync(pipelines);
        await pipelines.ResetAsync("openai");
        Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("closed"));
    }

    [Test]
    public async Task Snapshot_AllBreakers_ListsEachRegisteredProviderOnceByName()
    {
        await using var pipelines = NewPipelines(Fast);

        Assert.That(pipelines.Snapshot().Select(s => s.Name), Is.EqualTo(new[] { "anthropic", "offline", "openai" }));
    }

    [Test]
    public async Task ExecuteAsync_UnregisteredProvider_ThrowsArgumentException()
    {
        await using var pipelines = new ProviderPipelines(["offline"], Fast, TimeProvider.System);

        Assert.ThrowsAsync<ArgumentException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));
    }

    /// <summary>Fails calls with 500s until <see cref="ResilienceOptions.MinimumThroughput"/> attempts failed; returns the server hits it took.</summary>
    private async Task<int> OpenBreakerAsync(ProviderPipelines pipelines)
    {
        var before = server.Hits;
        for (var i = 0; i < Fast.MinimumThroughput / (1 + Fast.MaxRetryAttempts); i++)
        {
            server.Enqueue(Enumerable.Repeat(ScriptedReply.Error(500), 1 + Fast.MaxRetryAttempts).ToArray());
            Assert.ThrowsAsync<ProviderException>(() => pipelines.ExecuteAsync(provider, Request, CancellationToken.None));
        }

        Assert.That(pipelines.Snapshot("openai").State, Is.EqualTo("open"), "the breaker should be open after repeated failures");
        await Task.Yield();
        return server.Hits - before;
    }

    private ProviderPipelines NewPipelines(ResilienceOptions options)
    {
        var pipelines = new ProviderPipelines(ProviderCatalog.KnownNames, options, TimeProvider.System);
        pipelines.StateChanged += changes.Enqueue;
        return pipelines;
    }
}
