namespace Autopack.Migrations;

/// <summary>Marker for scanning this assembly's migrations.</summary>
public static class MigrationsAssembly
{
    public static System.Reflection.Assembly Assembly => typeof(MigrationsAssembly).Assembly;
}
