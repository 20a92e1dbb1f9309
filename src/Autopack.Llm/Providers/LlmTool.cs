using System.Text.Json;

namespace Autopack.Llm.Providers;

/// <summary>A tool the model may call: its name, what it does, and its arguments as an object JSON schema.</summary>
public sealed record LlmTool(string Name, string Description, JsonElement ParametersSchema);
