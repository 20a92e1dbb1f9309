using Autopack.Api.Queue;

namespace Autopack.Api.Health;

/// <summary>The body of a 200 from GET /ready: the database, and whether the queue can dispatch a run now.</summary>
public sealed record ReadyView(string Status, string DatabaseIdentity, SchemaVersionView SchemaVersion, ReadyQueueView Queue);
