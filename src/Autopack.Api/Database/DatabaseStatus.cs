using Autopack.Storage.Database;

namespace Autopack.Api.Database;

/// <summary>What one probe of the database found: reachable or not (and why), how fast, and its schema version.</summary>
public sealed record DatabaseStatus(bool Reachable, double LatencyMs, string? Error, SchemaVersions? Schema)
{
    public bool Migrated => Reachable && Schema is { UpToDate: true };

    /// <summary>Why the database cannot serve the API, as an operator would want to read it; null when it can.</summary>
    public string? Problem => this switch
    {
        { Reachable: false } => Error,
        { Schema: null } => "database schema version unknown",
        { Schema.NewerThanThisBuild: true } =>
            $"database schema {Schema.Current} is newer than this autopack knows ({Schema.Latest}); upgrade autopack",
        { Schema.UpToDate: false } =>
            $"database schema is at {Schema.Current}, latest is {Schema.Latest}: run 'autopack db migrate'",
        _ => null,
    };
}
