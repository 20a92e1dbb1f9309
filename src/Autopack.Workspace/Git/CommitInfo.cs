namespace Autopack.Workspace.Git;

/// <summary>One commit of a run branch: its sha, subject line and git trailers (the last value of a repeated key wins).</summary>
public sealed record CommitInfo(string Sha, string Subject, IReadOnlyDictionary<string, string> Trailers);
