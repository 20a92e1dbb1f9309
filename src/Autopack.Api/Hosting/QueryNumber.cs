using System.Globalization;

namespace Autopack.Api.Hosting;

/// <summary>Reads an optional whole-number query parameter within bounds, recording a problem naming it otherwise.</summary>
public static class QueryNumber
{
    /// <summary>The value, or null when absent or invalid (then <paramref name="errors"/> names the parameter).</summary>
    public static long? Parse(string? text, string name, long min, long max, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [$"must be a whole number from {min} to {max}, got '{text}'"];
        return null;
    }
}
