using System.Text.Json;

namespace Autopack.Workspace.Tools;

/// <summary>A tool the builder model may call: its name, what it does, and its arguments as a JSON object schema.</summary>
public sealed record ToolDefinition(string Name, string Description, JsonElement ParametersSchema);
