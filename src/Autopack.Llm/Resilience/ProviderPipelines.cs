using System.Collections.Concurrent;
using Autopack.Llm.Providers;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Autopack.Llm.Resilience;

/// <summary>
/// One Polly pipeline per provider, registered once by name: circuit breaker (outer) -> retry with jitter for
/// transient errors -> timeout per attempt. Breaker states are observable (<see cref="Snapshot()"/>,
/// <see cref="StateChanged"/>) and can be reset by hand.
/// </summary>
public sealed class ProviderPipelines : IAsyncDisposable
{
    private readonly ResiliencePipelineRegistry<string> registry = new();
    private readonly ConcurrentDictionary<string, BreakerHandle> handles = new(StringComparer.Ordinal);
    private readonly ResilienceOptions options;
    private readonly TimeProvider time;

    public ProviderPipelines(IEnumerable<string> providerNames, ResilienceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(providerNames);
        this.options = options;
        this.time = time;
        foreach (var name in providerNames)
        {
            var handle = new BreakerHandle(name);
            handles[name] = handle;
            registry.TryAddBuilder(name, (builder, _) => Configure(builder, handle));

            // Built now, once: concurrent first calls would otherwise race to build it around one state provider.
            _ = registry.GetPipeline(name);
        }
    }

    /// <summary>Raised after a breaker opens, half-opens or closes.</summary>
    public event Action<BreakerSnapshot>? StateChanged;

    public IReadOnlyCollection<string> Names => handles.Keys.ToList();

    /// <summary>
    /// Calls the provider through its pipeline. Throws <see cref="ProviderException"/> (a timeout included),
    /// <see cref="ProviderUnavailableException"/> while the breaker is open or isolated, or
    /// <see cref="OperationCanceledException"/>. No Polly type leaves this class.
    /// </summary>
    public async Task<LlmResponse> ExecuteAsync(ILlmProvider provider, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var handle = Handle(provider.Name);
        var pipeline = registry.GetPipeline(provider.Name);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (state, ct) => await state.provider.CompleteAsync(state.request, ct).ConfigureAwait(false),
                (provider, request),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new ProviderException(provider.Name, ProviderErrorKind.Timeout, $"no answer within {options.AttemptTimeout.TotalSeconds:F0}s", null, ex);
        }
        catch (IsolatedCircuitException ex)
        {
            // Held open by hand: no time at which it lets a call through.
            throw new ProviderUnavailableException(provider.Name, null, ex);
        }
        catch (BrokenCircuitException ex)
        {
            throw new ProviderUnavailableException(provider.Name, ex.RetryAfter, ex);
        }
    }

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

    private void Configure(ResiliencePipelineBuilder builder, BreakerHandle handle)
    {
        builder.TimeProvider = time;
        var transient = new PredicateBuilder()
            .Handle<ProviderException>(ex => ex.IsTransient)
            .Handle<TimeoutRejectedException>();

        // The breaker sees each call's final outcome (after retries) before it decides to open, so counting here
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
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                ShouldHandle = transient,
            })
            .AddTimeout(options.AttemptTimeout);
    }

    private void Raise(BreakerHandle handle) => StateChanged?.Invoke(handle.Snapshot());

    private sealed class BreakerHandle(string name)
    {
        private int consecutiveFailures;

        public string Name { get; } = name;

        public CircuitBreakerStateProvider StateProvider { get; } = new();

        public CircuitBreakerManualControl ManualControl { get; } = new();

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
