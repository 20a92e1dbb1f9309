using System.Text.Json;

namespace Autopack.Workspace.Tools;

/// <summary>The seven tools' descriptions and JSON argument schemas, as the model sees them.</summary>
internal static class ToolSchemas
{
    public static IReadOnlyList<ToolDefinition> All { get; } =
    [
        Define(ToolNames.ListFiles, "List the files (tracked and new, not git-ignored) under a folder of the worktree, recursively, sorted.",
            """{"type":"object","properties":{"path":{"type":"string","description":"Folder relative to the worktree root; default the root."},"glob":{"type":"string","description":"Only files matching this glob: without '/' it matches file names (*.cs), with '/' paths under the folder (src/**/*.cs)."}},"required":[]}"""),
        Define(ToolNames.ReadFile, "Read a text file with line numbers; large files in ranges of lines.",
            """{"type":"object","properties":{"path":{"type":"string","description":"File relative to the worktree root."},"start_line":{"type":"integer","description":"First line, 1-based; default 1."},"end_line":{"type":"integer","description":"Last line, inclusive."}},"required":["path"]}"""),
        Define(ToolNames.Search, "Search files for lines matching a .NET regular expression; results as file:line: text.",
            """{"type":"object","properties":{"pattern":{"type":"string","description":"Regular expression, matched line by line."},"path":{"type":"string","description":"File or folder to search; default the whole worktree."}},"required":["pattern"]}"""),
        Define(ToolNames.WriteFile, "Create or replace a file with the given content (parent folders are created).",
            """{"type":"object","properties":{"path":{"type":"string","description":"File relative to the worktree root."},"content":{"type":"string","description":"The whole new content."}},"required":["path","content"]}"""),
        Define(ToolNames.ReplaceInFile, "Replace the one exact occurrence of old with new in a file. None or several occurrences is an error that shows the relevant lines with numbers.",
            """{"type":"object","properties":{"path":{"type":"string","description":"File relative to the worktree root."},"old":{"type":"string","description":"Exact text to replace, including whitespace; must occur exactly once."},"new":{"type":"string","description":"Replacement text."}},"required":["path","old","new"]}"""),
        Define(ToolNames.RunCommand, "Run a shell command (/bin/sh -c) in the worktree root; returns the exit code and the tail of its output. Processes it leaves running are killed.",
            """{"type":"object","properties":{"command":{"type":"string","description":"The shell command."},"timeout_seconds":{"type":"integer","description":"Timeout in seconds (default 120, at most 600); the process tree is killed at the timeout."}},"required":["command"]}"""),
        Define(ToolNames.Finish, "End your turn: the work for this phase is done.",
            """{"type":"object","properties":{"summary":{"type":"string","description":"What you changed and why, for the reviewer."}},"required":["summary"]}"""),
    ];

    private static ToolDefinition Define(string name, string description, string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return new ToolDefinition(name, description, document.RootElement.Clone());
    }
}
