namespace Autopack.Workspace.Tools;

/// <summary>A tool call's argument missing or of the wrong type; becomes an error result, never escapes.</summary>
internal sealed class ToolArgumentException(string message) : Exception(message);
