namespace Autopack.Domain.Settings;

/// <summary>
/// The executables a published Autopack folder holds (ADR-045): <c>autopack</c>, compiled to native code, runs
/// <c>autopack execute</c> itself and hands every other command to <c>autopack-managed</c>, the .NET program that
/// has them all. A folder without the native front (a publish with no C toolchain, for another runtime, or with
/// <c>-p:AutopackNativeFront=false</c>) has only the managed program, named <c>autopack</c>.
/// </summary>
public static class PublishedLayout
{
    /// <summary>The operator's entry point: the native front, or the managed program where there is no front.</summary>
    public const string Front = "autopack";

    /// <summary>The managed program beside a native front.</summary>
    public const string Managed = "autopack-managed";

    /// <summary>Whether the published folder holds a native front: the managed program then sits beside it.</summary>
    public static bool HoldsFront(string folder) => File.Exists(Path.Combine(folder, Managed));

    /// <summary>
    /// The executable an executor is best started with, given the one this process runs as: the native front beside
    /// <c>autopack-managed</c> when there is one, else the same executable.
    /// </summary>
    public static string ExecutorProgram(string processPath)
    {
        ArgumentNullException.ThrowIfNull(processPath);
        if (!string.Equals(Path.GetFileName(processPath), Managed, StringComparison.Ordinal))
        {
            return processPath;
        }

        var front = Path.Combine(Path.GetDirectoryName(processPath) ?? ".", Front);
        return File.Exists(front) ? front : processPath;
    }
}
