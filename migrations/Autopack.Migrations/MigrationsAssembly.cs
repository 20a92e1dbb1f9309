namespace Autopack.Migrations;

/// <summary>Marker for scanning this assembly's migrations, and the newest of them.</summary>
public static class MigrationsAssembly
{
    /// <summary>
    /// The newest migration's version. Written here rather than found by scanning the assembly's types, so a process
    /// that only checks the schema (every CLI command, the executor) does not pay for the reflection; a test keeps it
    /// equal to the scan: raise it with every new migration.
    /// </summary>
    public const long LatestVersion = 202612101200;

    public static System.Reflection.Assembly Assembly => typeof(MigrationsAssembly).Assembly;
}
