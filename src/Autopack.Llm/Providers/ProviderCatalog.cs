using Autopack.Domain.Plans;

namespace Autopack.Llm.Providers;

/// <summary>The providers by name, as plans name them.</summary>
public sealed class ProviderCatalog(IEnumerable<ILlmProvider> providers)
{
    private readonly Dictionary<string, ILlmProvider> byName = providers.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>Every provider a plan may name (<see cref="ProviderNames"/>): one pipeline is built for each.</summary>
    public static IReadOnlyList<string> KnownNames => ProviderNames.All;

    public IReadOnlyCollection<string> Names => byName.Keys;

    public ILlmProvider Get(string name) =>
        byName.TryGetValue(name, out var provider) ? provider : throw new ArgumentException($"unknown provider '{name}'", nameof(name));
}
