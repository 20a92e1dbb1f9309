using System.Text.RegularExpressions;

namespace Autopack.Workspace.Git;

/// <summary>A full git object id as git prints it: SHA-1 (40 lowercase hex digits) or SHA-256 (64).</summary>
internal static partial class GitObjectId
{
    public static bool IsFull(string text) => FullPattern().IsMatch(text);

    [GeneratedRegex("^(?:[0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex FullPattern();
}
