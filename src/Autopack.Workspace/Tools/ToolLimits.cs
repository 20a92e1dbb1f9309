namespace Autopack.Workspace.Tools;

/// <summary>The caps that keep one tool call from flooding the conversation or the disk.</summary>
/// <param name="MaxResultChars">Any result longer than this is cut, with a note saying so.</param>
/// <param name="MaxReadLines">Lines <c>read_file</c> returns per call.</param>
/// <param name="MaxFileBytes">Largest file read, searched or written.</param>
/// <param name="MaxListEntries">Files <c>list_files</c> names per call.</param>
/// <param name="MaxSearchMatches">Matching lines <c>search</c> shows per call.</param>
/// <param name="DefaultCommandTimeout"><c>run_command</c>'s timeout when the model gives none (default 120 s).</param>
/// <param name="MaxCommandTimeout">The longest timeout the model may ask for (default 600 s).</param>
public sealed record ToolLimits(
    int MaxResultChars = 16_000,
    int MaxReadLines = 400,
    int MaxFileBytes = 2_000_000,
    int MaxListEntries = 500,
    int MaxSearchMatches = 200,
    TimeSpan? DefaultCommandTimeout = null,
    TimeSpan? MaxCommandTimeout = null)
{
    public TimeSpan CommandTimeout => DefaultCommandTimeout ?? TimeSpan.FromSeconds(120);

    public TimeSpan LongestCommandTimeout => MaxCommandTimeout ?? TimeSpan.FromSeconds(600);
}
