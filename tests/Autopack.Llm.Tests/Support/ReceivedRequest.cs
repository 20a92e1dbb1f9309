using System.Text.Json;

namespace Autopack.Llm.Tests.Support;

/// <summary>A request the scripted provider server received: path, headers (names lower-cased) and the parsed JSON body.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, JsonElement Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}
