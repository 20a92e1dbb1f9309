using System.Text.Json.Nodes;

namespace Autopack.Testing;

/// <summary>One request the stand-in provider received: its path, the credentials it carried, its body.</summary>
public sealed record ReceivedCall(string Path, string? Authorization, string? ApiKey, string? AnthropicVersion, JsonObject Body);
