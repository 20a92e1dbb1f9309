using System.Text.RegularExpressions;

namespace Autopack.Domain.Plans;

/// <summary>Run and phase ids are used as file and folder names, so they are restricted to a safe alphabet.</summary>
public static partial class Identifiers
{
    public const int MaxLength = 128;

    public static bool IsSafe(string id) => SafeId().IsMatch(id);

    /// <summary>
    /// The id of a phase the plan left unnamed: <c>&lt;run-id&gt;-p&lt;position&gt;</c>, or, when that would pass
    /// <see cref="MaxLength"/>, the run id shortened and a hash of it added so ids of different runs stay apart.
    /// </summary>
    public static string GeneratedPhaseId(string runId, int position)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var suffix = $"-p{position}";
        if (runId.Length + suffix.Length <= MaxLength)
        {
            return runId + suffix;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(runId)))[..8];
        return $"{runId[..(MaxLength - suffix.Length - hash.Length - 1)]}-{hash}{suffix}";
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeId();
}
