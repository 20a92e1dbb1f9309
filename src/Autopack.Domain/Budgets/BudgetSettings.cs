using System.Globalization;
using Autopack.Domain.Settings;

namespace Autopack.Domain.Budgets;

/// <summary>
/// The budget's settings: the default caps of a run and a phase, the phase multipliers by category, and the output
/// tokens asked of a provider per call. <see cref="Load"/> refuses a bad value naming its variable.
/// </summary>
public sealed record BudgetSettings
{
    /// <summary>autopack.json's object of multipliers by category; <c>AUTOPACK_PHASE_TOKEN_MULTIPLIERS</c> wins over it.</summary>
    public const string MultiplierSection = "phase_token_cap_multipliers";

    public long RunTokenCap { get; init; } = 5_000_000;

    public long PhaseTokenCap { get; init; } = 500_000;

    public IReadOnlyDictionary<string, double> PhaseTokenMultipliers { get; init; } = PhaseCapPolicy.DefaultMultipliers;

    /// <summary>Max output tokens asked of a provider per call, before shrinking to the headroom.</summary>
    public int MaxOutputTokens { get; init; } = 4096;

    /// <summary>A call is refused when fewer output tokens than this fit in the budget.</summary>
    public int MinOutputTokens { get; init; } = 256;

    public PhaseCapPolicy PhaseCapPolicy => new(PhaseTokenCap, PhaseTokenMultipliers);

    public static BudgetSettings Load(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var defaults = new BudgetSettings();
        var settings = new BudgetSettings
        {
            RunTokenCap = reader.PositiveLong("AUTOPACK_RUN_TOKEN_CAP") ?? defaults.RunTokenCap,
            PhaseTokenCap = reader.PositiveLong("AUTOPACK_PHASE_TOKEN_CAP") ?? defaults.PhaseTokenCap,
            PhaseTokenMultipliers = Multipliers(reader),
            MaxOutputTokens = reader.Int("AUTOPACK_MAX_OUTPUT_TOKENS", 1, 1_000_000) ?? defaults.MaxOutputTokens,
            MinOutputTokens = reader.Int("AUTOPACK_MIN_OUTPUT_TOKENS", 1, 1_000_000) ?? defaults.MinOutputTokens,
        };

        if (settings.MinOutputTokens > settings.MaxOutputTokens)
        {
            throw new SettingsException("AUTOPACK_MIN_OUTPUT_TOKENS", $"must not exceed AUTOPACK_MAX_OUTPUT_TOKENS ({settings.MaxOutputTokens})");
        }

        return settings;
    }

    private static IReadOnlyDictionary<string, double> Multipliers(SettingsReader reader)
    {
        const string name = "AUTOPACK_PHASE_TOKEN_MULTIPLIERS";
        var pairs = new List<(string Key, string? Value, string Setting)>();
        var text = reader.Text(name);
        if (text is not null)
        {
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = part.Split(':', 2, StringSplitOptions.TrimEntries);
                pairs.Add((kv[0], kv.Length == 2 ? kv[1] : null, name));
            }
        }
        else if (reader.Section(MultiplierSection) is { } section)
        {
            pairs.AddRange(section.Select(p => (p.Key, p.Value, MultiplierSection)));
        }
        else
        {
            return PhaseCapPolicy.DefaultMultipliers;
        }

        var result = new Dictionary<string, double>(PhaseCapPolicy.DefaultMultipliers, StringComparer.Ordinal);
        foreach (var (key, value, setting) in pairs)
        {
            if (!PhaseCapPolicy.DefaultMultipliers.ContainsKey(key))
            {
                throw new SettingsException(setting, $"unknown category '{key}' (known: {string.Join(", ", PhaseCapPolicy.DefaultMultipliers.Keys)})");
            }

            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var multiplier) || !double.IsFinite(multiplier) || multiplier <= 0)
            {
                throw new SettingsException(setting, $"multiplier of '{key}' must be a positive number, got '{value}'");
            }

            result[key] = multiplier;
        }

        return result;
    }
}
