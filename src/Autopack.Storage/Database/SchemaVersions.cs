namespace Autopack.Storage.Database;

/// <summary>The database's applied migration version and the newest one this build knows.</summary>
public sealed record SchemaVersions(long Current, long Latest)
{
    public bool UpToDate => Current == Latest;

    public bool NewerThanThisBuild => Current > Latest;
}
