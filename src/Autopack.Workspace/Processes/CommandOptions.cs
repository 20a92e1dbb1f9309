namespace Autopack.Workspace.Processes;

/// <summary>How one command runs: its timeout, how much output is kept, where the full output is logged,
/// whether secrets are removed from its environment, and extra environment variables (a null value removes one).</summary>
/// <param name="Timeout">After this the whole process tree is killed and the result says <c>TimedOut</c>.</param>
/// <param name="MaxOutputChars">The tail of the interleaved output kept in the result; the rest is cut.</param>
/// <param name="LogPath">When set, the full output is also written to this file (created or replaced).</param>
/// <param name="ScrubSecrets">Removes every variable that looks like a key, token, secret or password.</param>
/// <param name="Environment">Variables set for the command (a null value removes the variable).</param>
public sealed record CommandOptions(
    TimeSpan Timeout,
    int MaxOutputChars = 16_000,
    string? LogPath = null,
    bool ScrubSecrets = true,
    IReadOnlyDictionary<string, string?>? Environment = null)
{
    /// <summary>
    /// Variables of <see cref="Environment"/> that look secret but are meant for the command, so
    /// <see cref="ScrubSecrets"/> keeps them: an external builder's per-attempt key for Autopack's metered endpoint
    /// (ADR-038). Inherited variables of these names are replaced by the given values, never passed.
    /// </summary>
    public IReadOnlySet<string> PassedSecrets { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}
