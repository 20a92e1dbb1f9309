namespace Autopack.Workspace.Git;

/// <summary>What one git command printed, its stdout and stderr apart.</summary>
internal sealed record GitOutput(IReadOnlyList<string> Arguments, int? ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string FirstErrorLine =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    public GitException Failure() => new(Arguments, ExitCode, StandardError);
}
