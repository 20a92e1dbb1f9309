namespace Autopack.Llm.Relay;

/// <summary>
/// One server-sent event as it came over the wire: its bytes (relayed as they are), its <c>event:</c> name and its
/// <c>data:</c> lines joined. <see cref="Data"/> is null for an event too large to read (<see cref="SseEventReader"/>),
/// which is relayed but not metered.
/// </summary>
public readonly record struct SseEvent(ReadOnlyMemory<byte> Raw, string? Name, string? Data);
