namespace Autopack.Workspace.Git;

/// <summary>A git command that failed where it should not have: the arguments, exit code and git's stderr are in the message.</summary>
public sealed class GitException : Exception
{
    public GitException(string message)
        : base(message)
    {
    }

    public GitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GitException(IReadOnlyList<string> arguments, int? exitCode, string standardError)
        : base(Describe(arguments, exitCode, standardError))
    {
        ExitCode = exitCode;
        StandardError = standardError;
    }

    public GitException()
    {
    }

    public int? ExitCode { get; }

    public string StandardError { get; } = "";

    private static string Describe(IReadOnlyList<string> arguments, int? exitCode, string standardError)
    {
        var outcome = exitCode is null ? "timed out" : $"failed with exit code {exitCode}";
        var error = standardError.Trim();
        return $"git {string.Join(' ', arguments)} {outcome}{(error.Length > 0 ? ": " + error : "")}";
    }
}
