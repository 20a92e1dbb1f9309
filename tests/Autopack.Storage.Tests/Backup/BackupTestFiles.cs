using System.Security.Cryptography;
using Autopack.Storage.Backup;
using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Storage.Tests.Backup;

/// <summary>Helpers shared by the backup tests: fingerprints of files and databases, and an installation's restore target.</summary>
internal static class BackupTestFiles
{
    /// <summary>
    /// The SHA-256 of a database file after closing this process's pooled connections (which folds the WAL into the
    /// file), so two fingerprints are equal exactly when the file is byte-identical.
    /// </summary>
    public static string DatabaseFingerprint(SqliteDatabase database)
    {
        SqliteConnection.ClearAllPools();
        return Sha256(database.FullPath);
    }

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    public static RestoreTarget TargetIn(string folder) =>
        new(Path.Combine(folder, "autopack.db"), Path.Combine(folder, ".autonomous_runs"), Path.Combine(folder, "docs", "BUILD_HISTORY.md"));

    public static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public static void Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Everything under a folder as relative path -> SHA-256, to compare folders.</summary>
    public static Dictionary<string, string> Tree(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(folder, f), Sha256, StringComparer.Ordinal)
            : [];
}
