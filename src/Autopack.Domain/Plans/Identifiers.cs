using System.Text.RegularExpressions;

namespace Autopack.Domain.Plans;

/// <summary>Run and phase ids are used as file and folder names, so they are restricted to a safe alphabet.</summary>
public static partial class Identifiers
{
    public const int MaxLength = 128;

    public static bool IsSafe(string id) => SafeId().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeId();
}
