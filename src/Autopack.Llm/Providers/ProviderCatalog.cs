using System.Collections.Concurrent;
using Autopack.Domain.Plans;

namespace Autopack.Llm.Providers;

/// <summary>
/// The providers by name, as plans name them. A provider is built the first time a call names it: an offline run
/// never loads the OpenAI and Anthropic SDKs (hundreds of milliseconds of a cold executor's start, ADR-034).
/// </summary>
public sealed class ProviderCatalog
{
    private readonly IReadOnlyDictionary<string, Func<ILlmProvider>> factories;
    private readonly ConcurrentDictionary<string, Lazy<ILlmProvider>> built = new(StringComparer.Ordinal);

    /// <summary>A catalog of providers built already (tests, hand-made hosts).</summary>
    public ProviderCatalog(IEnumerable<ILlmProvider> providers)
        : this(providers.ToDictionary(p => p.Name, p => (Func<ILlmProvider>)(() => p), StringComparer.Ordinal))
    {
    }

    /// <summary>A catalog that builds each provider when first asked for it.</summary>
    public ProviderCatalog(IReadOnlyDictionary<string, Func<ILlmProvider>> factories) => this.factories = factories;

    /// <summary>
    /// The providers registered as <see cref="ILlmProvider"/> (a host's or a test's own, built already), and for
    /// every other name its default, built when first asked for.
    /// </summary>
    public ProviderCatalog(IEnumerable<ILlmProvider> registered, IReadOnlyDictionary<string, Func<ILlmProvider>> defaults)
        : this(Merge(registered, defaults))
    {
    }

    /// <summary>Every provider a plan may name (<see cref="ProviderNames"/>): one pipeline is built for each.</summary>
    public static IReadOnlyList<string> KnownNames => ProviderNames.All;

    public IReadOnlyCollection<string> Names => factories.Keys.ToList();

    private static Dictionary<string, Func<ILlmProvider>> Merge(IEnumerable<ILlmProvider> registered, IReadOnlyDictionary<string, Func<ILlmProvider>> defaults)
    {
        var merged = new Dictionary<string, Func<ILlmProvider>>(defaults, StringComparer.Ordinal);
        foreach (var provider in registered)
        {
            merged[provider.Name] = () => provider;
        }

        return merged;
    }

    public ILlmProvider Get(string name) =>
        factories.TryGetValue(name, out var factory)
            ? built.GetOrAdd(name, _ => new Lazy<ILlmProvider>(factory)).Value
            : throw new ArgumentException($"unknown provider '{name}'", nameof(name));
}
