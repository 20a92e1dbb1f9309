namespace Autopack.Llm.Relay;

/// <summary>
/// An agent's request body is not a request of its API (not JSON, a field of the wrong type, a value the metered
/// endpoint does not serve). Answered with HTTP 400 in the API's own error format, naming <see cref="Field"/>.
/// </summary>
public sealed class WireRequestException(string field, string message) : Exception($"{field}: {message}")
{
    /// <summary>The request field at fault (<c>messages[2].role</c>), or <c>body</c> for the whole body.</summary>
    public string Field { get; } = field;

    /// <summary>The explanation without the field name.</summary>
    public string Detail { get; } = message;
}
