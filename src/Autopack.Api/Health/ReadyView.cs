namespace Autopack.Api.Health;

/// <summary>The body of a 200 from GET /ready.</summary>
public sealed record ReadyView(string Status, string DatabaseIdentity, SchemaVersionView SchemaVersion);
