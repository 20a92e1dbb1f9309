namespace Autopack.Domain.Budgets;

/// <summary>
/// Resolves a phase's cap: an explicit cap wins; otherwise the default phase cap times the multiplier of the
/// phase's category (1.0 for none or an unlisted one).
/// </summary>
public sealed class PhaseCapPolicy(long defaultPhaseCap, IReadOnlyDictionary<string, double> multipliers)
{
    /// <summary>The SPEC's default multipliers.</summary>
    public static IReadOnlyDictionary<string, double> DefaultMultipliers { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["research"] = 1.5,
        ["implementation"] = 1.0,
        ["verification"] = 0.5,
        ["audit"] = 0.3,
    };

    public long DefaultPhaseCap { get; } = defaultPhaseCap;

    public IReadOnlyDictionary<string, double> Multipliers { get; } = multipliers;

    public long CapFor(string? category, long? explicitCap)
    {
        if (explicitCap is { } cap)
        {
            return cap;
        }

        var multiplier = category is not null && Multipliers.TryGetValue(category, out var m) ? m : 1.0;
        return (long)Math.Floor(DefaultPhaseCap * multiplier);
    }
}
