namespace Autopack.Workspace.Tools;

/// <summary>What a tool call gives back to the model; <see cref="IsError"/> marks a refused or failed call.</summary>
public sealed record ToolResult(string Content, bool IsError)
{
    public static ToolResult Ok(string content) => new(content, false);

    public static ToolResult Error(string content) => new(content, true);
}
