using Autopack.Domain.Settings;
using Autopack.Executor.Control;
using Autopack.Executor.Hosting;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Storage.Breakers;
using Autopack.Storage.Leases;
using Autopack.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autopack.Executor.Tests.Hosting;

/// <summary>
/// Breakers live in the executor process; the heartbeat publishes their states to <c>circuit_breakers</c> (what
/// the API shows) and applies the reset requests operators write there from another process.
/// </summary>
public sealed class LeaseHeartbeatTests
{
    private static readonly ResilienceOptions TripFast = new()
    {
        // The breaker counts HTTP attempts: two calls of two failed attempts each trip it.
        MinimumThroughput = 4,
        MaxRetryAttempts = 1,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        BreakDuration = TimeSpan.FromMinutes(10), // only a reset can close it within the test
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    private static readonly LlmRequest Request = LlmRequest.FromPrompts("builder", "s", "u", 16);

    [Test]
    public async Task ExecuteAsync_LeaseHeld_PublishesEveryBreakerAsClosedWithTheExecutorsPid()
    {
        using var scenario = new ExecutorScenario();
        await using var executor = await HeartbeatExecutor.StartAsync(scenario, "hb-run");

        Assert.That(await Eventually.TrueAsync(() => scenario.Db.Scalar("SELECT count(*) FROM circuit_breakers") == 1, TimeSpan.FromSeconds(5)), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(scenario.Text("SELECT state FROM circuit_breakers WHERE name = 'flaky'"), Is.EqualTo("closed"));
            Assert.That(scenario.Text("SELECT reported_by FROM circuit_breakers WHERE name = 'flaky'"), Is.EqualTo($"executor pid {executor.Identity.Pid}"));
        });
    }

    /// <summary>
    /// Stopping ends the loop by disposing its timer, not by cancelling the wait: a cancelled PeriodicTimer wait
    /// throws an exception with a file-and-line stack trace, which cost every executor some 10 ms at its exit.
    /// </summary>
    [Test]
    public async Task StopAsync_WhileWaitingForTheNextBeat_EndsTheLoopWithoutAnException()
    {
        using var scenario = new ExecutorScenario();
        var executor = await HeartbeatExecutor.StartAsync(scenario, "hb-run");
        Assert.That(await Eventually.TrueAsync(() => scenario.Db.Scalar("SELECT count(*) FROM circuit_breakers") == 1, TimeSpan.FromSeconds(5)), Is.True, "the first beat is done");
        using (var thrown = FirstChanceExceptions.Cancellations(nameof(PeriodicTimer)))
        {
            await executor.DisposeAsync();
            Assert.That(thrown.Thrown, Is.Empty);
        }

        Assert.That(executor.Completed, Is.True, "the loop ended");
    }

    [Test]
    public async Task ExecuteAsync_BreakerOpens_PublishesOpenStateWithFailureCountAndOpenedAt()
    {
        using var scenario = new ExecutorScenario();
        await using var executor = await HeartbeatExecutor.StartAsync(scenario, "hb-run");

        await executor.TripBreakerAsync();

        Assert.That(
            await Eventually.TrueAsync(() => scenario.Text("SELECT state FROM circuit_breakers WHERE name = 'flaky'") == "open", TimeSpan.FromSeconds(5)),
            Is.True,
            "the open breaker should be published to circuit_breakers");
        Assert.That(
            await Eventually.TrueAsync(() => scenario.Db.Scalar("SELECT failure_count FROM circuit_breakers WHERE name = 'flaky'") == TripFast.MinimumThroughput, TimeSpan.FromSeconds(3)),
            Is.True,
            "within a heartbeat the published failure count should be the failures that opened the breaker");
        Assert.That(scenario.Text("SELECT opened_at FROM circuit_breakers WHERE name = 'flaky'"), Does.Match(@"^\d{4}-\d\d-\d\dT"));
    }

    [Test]
    public async Task ExecuteAsync_ResetRequestedFromAnotherProcess_ClosesTheBreakerAndPublishesClosed()
    {
        using var scenario = new ExecutorScenario();
        await using var executor = await HeartbeatExecutor.StartAsync(scenario, "hb-run");
        await executor.TripBreakerAsync();
        Assert.That(
            await Eventually.TrueAsync(() => scenario.Text("SELECT state FROM circuit_breakers WHERE name = 'flaky'") == "open", TimeSpan.FromSeconds(5)),
            Is.True);

        // What `autopack breakers reset` and POST /circuit-breakers/reset do: a separate BreakerStates on the same file.
        var marked = await new BreakerStates(scenario.Db.Database, TimeProvider.System).RequestResetAsync("flaky");

        Assert.That(marked, Is.EqualTo(1));
        Assert.That(await Eventually.TrueAsync(() => executor.Pipelines.Snapshot("flaky").State == "closed", TimeSpan.FromSeconds(5)), Is.True, "the executor should close its breaker");
        Assert.That(
            await Eventually.TrueAsync(() => scenario.Text("SELECT state FROM circuit_breakers WHERE name = 'flaky'") == "closed", TimeSpan.FromSeconds(5)),
            Is.True,
            "the closed state should be published");
        executor.Provider.Healthy = true;
        var response = await executor.Pipelines.ExecuteAsync(executor.Provider, Request, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("ok"));
            // The request stays (another executor may still have to apply it); it is no longer pending once published after it.
            Assert.That(scenario.Db.Scalar("SELECT updated_at > reset_requested_at FROM circuit_breakers WHERE name = 'flaky'"), Is.EqualTo(1));
            Assert.That(scenario.Db.Scalar("SELECT count(*) FROM events WHERE kind = 'breaker_reset_requested'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ExecuteAsync_ResetAlreadyApplied_DoesNotCloseABreakerThatOpensAfterIt()
    {
        using var scenario = new ExecutorScenario();
        await using var executor = await HeartbeatExecutor.StartAsync(scenario, "hb-run");
        await executor.TripBreakerAsync();
        Assert.That(
            await Eventually.TrueAsync(() => scenario.Text("SELECT state FROM circuit_breakers WHERE name = 'flaky'") == "open", TimeSpan.FromSeconds(5)),
            Is.True);
        await new BreakerStates(scenario.Db.Database, TimeProvider.System).RequestResetAsync("flaky");
        Assert.That(await Eventually.TrueAsync(() => executor.Pipelines.Snapshot("flaky").State == "closed", TimeSpan.FromSeconds(5)), Is.True);

        await executor.TripBreakerAsync();
        Assert.That(await HeartbeatsAsync(scenario, "hb-run", count: 2), Is.True, "two more heartbeats, each reading the reset requests");

        Assert.That(executor.Pipelines.Snapshot("flaky").State, Is.EqualTo("open"), "one operator request closes the breaker once, not at every beat");
    }

    /// <summary>
    /// Waits for <paramref name="count"/> more beats of the run's lease. A beat renews the lease first and then applies
    /// the reset requests, so once the lease has moved twice, a whole beat has run since the first wait began.
    /// </summary>
    private static async Task<bool> HeartbeatsAsync(ExecutorScenario scenario, string runId, int count)
    {
        var sql = $"SELECT heartbeat_at FROM executor_leases WHERE run_id = '{runId}'";
        for (var beat = 0; beat < count; beat++)
        {
            var last = scenario.Text(sql);
            if (!await Eventually.TrueAsync(() => scenario.Text(sql) != last, TimeSpan.FromSeconds(15)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Two executors (two runs) each hold their own breaker for the same provider. An operator's reset is meant for
    /// the provider, so both must close; neither may swallow the request for the other.
    /// </summary>
    [Test]
    public async Task ExecuteAsync_ResetRequestedWithTwoExecutorsRunning_ClosesTheBreakerInBoth()
    {
        using var scenario = new ExecutorScenario();
        await using var first = await HeartbeatExecutor.StartAsync(scenario, "hb-run-a");
        await using var second = await HeartbeatExecutor.StartAsync(scenario, "hb-run-b");
        await first.TripBreakerAsync();
        await second.TripBreakerAsync();
        Assert.That(
            await Eventually.TrueAsync(() => scenario.Text("SELECT state FROM circuit_breakers WHERE name = 'flaky'") == "open", TimeSpan.FromSeconds(5)),
            Is.True);

        await new BreakerStates(scenario.Db.Database, TimeProvider.System).RequestResetAsync("flaky");

        // Three heartbeats is ample for both executors to see the request.
        await Eventually.TrueAsync(() => first.Pipelines.Snapshot("flaky").State == "closed" && second.Pipelines.Snapshot("flaky").State == "closed", TimeSpan.FromSeconds(3));
        Assert.Multiple(() =>
        {
            Assert.That(first.Pipelines.Snapshot("flaky").State, Is.EqualTo("closed"), "executor of hb-run-a");
            Assert.That(second.Pipelines.Snapshot("flaky").State, Is.EqualTo("closed"), "executor of hb-run-b");
        });
    }

    /// <summary>A provider that fails with a 503 until told it is healthy.</summary>
    private sealed class FlakyProvider : ILlmProvider
    {
        public bool Healthy { get; set; }

        public string Name => "flaky";

        public string Model => "flaky-1";

        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken) => Healthy
            ? Task.FromResult(LlmResponse.FromText("ok", 1, 1, Model))
            : Task.FromException<LlmResponse>(new ProviderException(Name, ProviderErrorKind.ServerError, "HTTP 503: overloaded", 503));
    }

    /// <summary>A LeaseHeartbeat started the way the executor host starts it: lease acquired, then StartAsync.</summary>
    private sealed class HeartbeatExecutor : IAsyncDisposable
    {
        private readonly LeaseHeartbeat heartbeat;
        private readonly RunControl control;

        private HeartbeatExecutor(LeaseHeartbeat heartbeat, RunControl control, ProviderPipelines pipelines, ExecutorIdentity identity)
        {
            this.heartbeat = heartbeat;
            this.control = control;
            Pipelines = pipelines;
            Identity = identity;
        }

        public ProviderPipelines Pipelines { get; }

        public FlakyProvider Provider { get; } = new();

        public ExecutorIdentity Identity { get; }

        /// <summary>Whether the heartbeat's loop has returned (after a stop).</summary>
        public bool Completed => heartbeat.ExecuteTask is { IsCompletedSuccessfully: true };

        public static async Task<HeartbeatExecutor> StartAsync(ExecutorScenario scenario, string runId)
        {
            await scenario.Db.CreateRunAsync(new PlanBuilder(runId).Phase($"{runId}-p1").Build());
            var time = TimeProvider.System;
            var settings = scenario.Settings();
            var identity = ExecutorIdentity.ForCurrentProcess(runId);
            var leases = new ExecutorLeases(scenario.Db.Database, time);
            var lease = await leases.TryAcquireAsync(runId, identity.OwnerId, identity.Pid, identity.Host, TimeSpan.FromSeconds(settings.Storage.LeaseStaleSeconds));
            Assert.That(lease.Acquired, Is.True);

            var pipelines = new ProviderPipelines(["flaky"], TripFast, time);
            var control = new RunControl();
            control.MarkLeaseHeld([$"{runId}-p1"]);
            var heartbeat = new LeaseHeartbeat(
                leases, new BreakerStates(scenario.Db.Database, time), pipelines, control, identity, settings, time, NullLogger<LeaseHeartbeat>.Instance);
            await heartbeat.StartAsync(CancellationToken.None);
            return new HeartbeatExecutor(heartbeat, control, pipelines, identity);
        }

        public async Task TripBreakerAsync()
        {
            for (var i = 0; i < TripFast.MinimumThroughput / (1 + TripFast.MaxRetryAttempts); i++)
            {
                Assert.ThrowsAsync<ProviderException>(() => Pipelines.ExecuteAsync(Provider, Request, CancellationToken.None));
            }

            Assert.ThrowsAsync<ProviderUnavailableException>(() => Pipelines.ExecuteAsync(Provider, Request, CancellationToken.None));
            await Task.Yield();
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await heartbeat.StopAsync(CancellationToken.None);
            }
            finally
            {
                heartbeat.Dispose();
                control.Dispose();
                await Pipelines.DisposeAsync();
            }
        }
    }
}
