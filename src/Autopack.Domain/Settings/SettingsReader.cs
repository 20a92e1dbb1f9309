using System.Globalization;

namespace Autopack.Domain.Settings;

/// <summary>
/// The one way a setting's text is read (environment variables and autopack.json, by the SPEC's names) and turned
/// into a value. Each project's settings record reads its own variables through it; a value it cannot use is a
/// <see cref="SettingsException"/> naming the variable, so every refusal has one format whichever project owns it.
/// </summary>
public sealed class SettingsReader(Func<string, string?> get, Func<string, IReadOnlyDictionary<string, string?>?>? section = null)
{
    /// <summary>The trimmed text of a variable; null when it is unset or blank.</summary>
    public string? Text(string name)
    {
        var value = get(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>An object of autopack.json (its keys and values as text); null when the file has none.</summary>
    public IReadOnlyDictionary<string, string?>? Section(string name) => section?.Invoke(name);

    public bool Flag(string name) => Text(name) switch
    {
        null or "0" => false,
        "1" => true,
        var other when bool.TryParse(other, out var b) => b,
        var other => throw new SettingsException(name, $"must be 1 or 0, got '{other}'"),
    };

    public int? Int(string name, int min, int max)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new SettingsException(name, $"must be a whole number from {min} to {max}, got '{text}'");
        }

        return value;
    }

    public long? PositiveLong(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new SettingsException(name, $"must be a positive whole number, got '{text}'");
        }

        return value;
    }

    /// <summary>A value checked by <paramref name="accepts"/>; a refused one is <c>NAME: must be {expected}, got '...'</c>.</summary>
    public string? Checked(string name, Func<string, bool> accepts, string expected)
    {
        ArgumentNullException.ThrowIfNull(accepts);
        var text = Text(name);
        return text is null || accepts(text) ? text : throw new SettingsException(name, $"must be {expected}, got '{text}'");
    }
}
