using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Autopack.Gateway;

/// <summary>The attempts the endpoint serves now, by the id in their keys; a key is checked against its attempt's secret in constant time.</summary>
internal sealed class AttemptRegistry
{
    private readonly ConcurrentDictionary<string, AttemptSession> sessions = new(StringComparer.Ordinal);

    public void Add(AttemptSession session) => sessions[session.Id] = session;

    public void Remove(AttemptSession session) => sessions.TryRemove(new KeyValuePair<string, AttemptSession>(session.Id, session));

    /// <summary>The attempts served now.</summary>
    public IReadOnlyList<AttemptSession> All() => sessions.Values.ToList();

    /// <summary>
    /// The attempt whose key the request carries (<c>Authorization: Bearer</c>, as OpenAI clients and Claude Code's
    /// <c>ANTHROPIC_AUTH_TOKEN</c> send it, or <c>x-api-key</c>, as Anthropic clients do), or null.
    /// </summary>
    public AttemptSession? Authenticate(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Find(Bearer(headers["Authorization"].ToString())) ?? Find(headers["x-api-key"].ToString());
    }

    private AttemptSession? Find(string? presented)
    {
        if (AttemptSession.IdOf(presented) is not { } id || !sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        return session.Accepts(presented!) ? session : null;
    }

    private static string? Bearer(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
}
