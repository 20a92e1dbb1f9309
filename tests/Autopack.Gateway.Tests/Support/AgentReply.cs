using System.Text.Json.Nodes;

namespace Autopack.Gateway.Tests.Support;

/// <summary>What an agent got back: the status, the body (JSON when it is), a stream's events, and whether the stream broke.</summary>
public sealed record AgentReply(int Status, string Body, IReadOnlyList<(string? Name, string Data)> Events, bool Broken)
{
    public JsonNode? Json => Body.Length > 0 && Body.TrimStart().StartsWith('{') ? JsonNode.Parse(Body) : null;

    /// <summary>The <c>x-should-retry</c> header, when sent.</summary>
    public string? ShouldRetry { get; init; }

    public string? RetryAfter { get; init; }
}
