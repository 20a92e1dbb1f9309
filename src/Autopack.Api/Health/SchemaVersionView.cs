namespace Autopack.Api.Health;

/// <summary>The database's applied migration and the newest this build knows (0 when unknown).</summary>
public sealed record SchemaVersionView(long Current, long Latest, bool UpToDate);
