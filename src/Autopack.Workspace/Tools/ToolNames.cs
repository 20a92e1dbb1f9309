namespace Autopack.Workspace.Tools;

/// <summary>The builder's tool names, fixed by the SPEC (operators script models against them).</summary>
public static class ToolNames
{
    public const string ListFiles = "list_files";
    public const string ReadFile = "read_file";
    public const string Search = "search";
    public const string WriteFile = "write_file";
    public const string ReplaceInFile = "replace_in_file";
    public const string RunCommand = "run_command";
    public const string Finish = "finish";

    public static IReadOnlyList<string> All { get; } = [ListFiles, ReadFile, Search, WriteFile, ReplaceInFile, RunCommand, Finish];
}
