namespace Autopack.Testing;

/// <summary>A fresh folder under the system temp folder, deleted (symlinks not followed) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "autopack-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file at <paramref name="relativePath"/>, creating its folders; returns its full path.</summary>
    public string Write(string relativePath, string content)
    {
        var full = Combine(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process under test may still hold a file for a moment; the OS temp cleaner takes the rest.
        }
        catch (UnauthorizedAccessException)
        {
            // A test may leave a file or folder it cannot delete (its permissions); likewise left to the cleaner.
        }
    }
}
