using System.Collections.Concurrent;
using Autopack.Llm.Providers;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Autopack.Llm.Resilience;

/// <summary>
/// One Polly pipeline per provider for one HTTP attempt, registered once by name: circuit breaker -> timeout per
/// attempt. Retries sit outside it (<see cref="RetryAsync{T}"/>: exponential backoff with jitter, or the
/// provider's <c>Retry-After</c>), so the breaker counts every HTTP attempt and each attempt can be reserved and
/// settled on its own by the caller (ADR-017). Breaker states are observable (<see cref="Snapshot()"/>,
/// <see cref="StateChanged"/>) and can be reset by hand.
/// </summary>
public sealed class ProviderPipelines : IAsyncDisposable
{
    private readonly ResiliencePipelineRegistry<string> registry = new();
    private readonly ConcurrentDictionary<string, BreakerHandle> handles = new(StringComparer.Ordinal);
    private readonly ResilienceOptions options;
    private readonly TimeProvider time;
    private readonly ResiliencePipeline retry;

    public ProviderPipelines(IEnumerable<string> providerNames, ResilienceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(providerNames);
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.time = time;
        retry = BuildRetry(options, time);
        foreach (var name in providerNames)
        {
            // Built at the provider's first call, once (the handle's Lazy): concurrent first calls would otherwise race
            // to build two around one state provider. Until then the breaker reads as closed and a reset has nothing
            // to close; a run pays only for the providers it calls (Polly validates each strategy's options as it builds).
            var handle = new BreakerHandle(name, () => registry.GetPipeline(name));
            handles[name] = handle;
            registry.TryAddBuilder(name, (builder, _) => Configure(builder, handle));
        }
    }

    /// <summary>Raised after a breaker opens, half-opens or closes.</summary>
    public event Action<BreakerSnapshot>? StateChanged;

    public IReadOnlyCollection<string> Names => handles.Keys.ToList();

    /// <summary>One call with its retries: <see cref="RetryAsync{T}"/> around <see cref="SendAttemptAsync"/>.</summary>
    public Task<LlmResponse> ExecuteAsync(ILlmProvider provider, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return RetryAsync(ct => SendAttemptAsync(provider, request, ct), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (which sends one HTTP attempt through <see cref="SendAttemptAsync"/>, and may
    /// do its own work around it) again after a transient <see cref="ProviderException"/>, up to
    /// <see cref="ResilienceOptions.MaxRetryAttempts"/> times, waiting the provider's <c>Retry-After</c> when it
    /// gave one and an exponential backoff with jitter otherwise. An open breaker
    /// (<see cref="ProviderUnavailableException"/>), a permanent failure and any other exception end it at once.
    /// </summary>
    public async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return await retry.ExecuteAsync(
            static async (send, ct) => await send(ct).ConfigureAwait(false), attempt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one HTTP attempt through the provider's breaker and attempt timeout, without retries. Throws
    /// <see cref="ProviderException"/> (a timeout included), <see cref="ProviderUnavailableException"/> while the
    /// breaker is open or isolated, or <see cref="OperationCanceledException"/>. No Polly type leaves this class.
    /// </summary>
    public Task<LlmResponse> SendAttemptAsync(ILlmProvider provider, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return SendAttemptAsync(provider.Name, ct => provider.CompleteAsync(request, ct), cancellationToken);
    }

    /// <summary>
    /// Sends one HTTP attempt of any shape (the metered endpoint's relayed request, ADR-037) through the named
    /// provider's breaker and attempt timeout, without retries. <paramref name="send"/> must throw
    /// <see cref="ProviderException"/> for a failure the breaker should count (a transient one counts); whatever it
    /// returns counts as a success. Throws like <see cref="SendAttemptAsync(ILlmProvider, LlmRequest, CancellationToken)"/>.
    /// </summary>
    public async Task<T> SendAttemptAsync<T>(string providerName, Func<CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        var pipeline = Handle(providerName).Pipeline.Value;
        try
        {
            return await pipeline.ExecuteAsync(
                static async (attempt, ct) => await attempt(ct).ConfigureAwait(false),
                send,
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            // The request was (most likely) sent and nothing came back in time: the provider may have billed it.
            throw new ProviderException(providerName, ProviderErrorKind.Timeout, $"no answer within {options.AttemptTimeout.TotalSeconds:F0}s", null, ex)
            {
                MayHaveBeenBilled = true,
            };
        }
        catch (IsolatedCircuitException ex)
        {
            // Held open by hand: no time at which it lets a call through.
            throw new ProviderUnavailableException(providerName, null, ex);
        }
        catch (BrokenCircuitException ex)
        {
            throw new ProviderUnavailableException(providerName, ex.RetryAfter, ex);
        }
    }

    /// <summary>The attempt timeout each HTTP attempt gets (the metered endpoint uses it as its streams' idle limit too).</summary>
    public TimeSpan AttemptTimeout => options.AttemptTimeout;

    public IReadOnlyList<BreakerSnapshot> Snapshot() =>
        handles.Values.OrderBy(h => h.Name, StringComparer.Ordinal).Select(h => h.Snapshot()).ToList();

    public BreakerSnapshot Snapshot(string name) => Handle(name).Snapshot();

    /// <summary>Closes the named breaker (all when null) by hand.</summary>
    public async Task ResetAsync(string? name, CancellationToken cancellationToken = default)
    {
        foreach (var handle in handles.Values.Where(h => name is null || h.Name == name))
        {
            await handle.ManualControl.CloseAsync(cancellationToken).ConfigureAwait(false);
            handle.RecordSuccess();
        }
    }

    public ValueTask DisposeAsync() => registry.DisposeAsync();

    private BreakerHandle Handle(string name) =>
        handles.TryGetValue(name, out var handle) ? handle : throw new ArgumentException($"no pipeline registered for provider '{name}'", nameof(name));

    private static ResiliencePipeline BuildRetry(ResilienceOptions options, TimeProvider time) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = new PredicateBuilder().Handle<ProviderException>(ex => ex.IsTransient),

                // The provider's own ask (already capped by the provider client) wins over our backoff.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is ProviderException { RetryAfter: { } after } ? after : (TimeSpan?)null),
            })
            .Build();

    private void Configure(ResiliencePipelineBuilder builder, BreakerHandle handle)
    {
        builder.TimeProvider = time;

        // The breaker sees each HTTP attempt's outcome before it decides to open, so counting here
        // makes the snapshot raised by OnOpened include the failure that opened it.
        ValueTask<bool> CountingBreakerPredicate(CircuitBreakerPredicateArguments<object> args)
        {
            var failed = args.Outcome.Exception is ProviderException { IsTransient: true } or TimeoutRejectedException;
            if (failed)
            {
                handle.RecordFailure();
            }
            else if (args.Outcome.Exception is null)
            {
                handle.RecordSuccess();
            }

            return ValueTask.FromResult(failed);
        }

        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = CountingBreakerPredicate,
                StateProvider = handle.StateProvider,
                ManualControl = handle.ManualControl,
                OnOpened = args =>
                {
                    handle.OpenedAt = time.GetUtcNow().UtcDateTime;
                    Raise(handle);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    Raise(handle);
                    return default;
                },
                OnClosed = _ =>
                {
                    handle.OpenedAt = null;
                    Raise(handle);
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout);
    }

    private void Raise(BreakerHandle handle) => StateChanged?.Invoke(handle.Snapshot());

    private sealed class BreakerHandle(string name, Func<ResiliencePipeline> build)
    {
        private int consecutiveFailures;

        public string Name { get; } = name;

        public CircuitBreakerStateProvider StateProvider { get; } = new();

        public CircuitBreakerManualControl ManualControl { get; } = new();

        public Lazy<ResiliencePipeline> Pipeline { get; } = new(build, LazyThreadSafetyMode.ExecutionAndPublication);

        public DateTime? OpenedAt { get; set; }

        public void RecordSuccess() => Interlocked.Exchange(ref consecutiveFailures, 0);

        public void RecordFailure() => Interlocked.Increment(ref consecutiveFailures);

        public BreakerSnapshot Snapshot() => new(Name, StateName(StateProvider.CircuitState), Volatile.Read(ref consecutiveFailures), OpenedAt);

        private static string StateName(CircuitState state) => state switch
        {
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half_open",
            CircuitState.Isolated => "isolated",
            _ => "closed",
        };
    }
}
