namespace Autopack.Testing;

/// <summary>The checkout the tests were built from: the folder holding Autopack.sln above the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Autopack.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Autopack.sln in any folder above {AppContext.BaseDirectory}");
    }
}
