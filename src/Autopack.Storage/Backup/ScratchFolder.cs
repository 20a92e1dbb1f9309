using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Autopack.Storage.Backup;

/// <summary>
/// The hidden folders a backup writes its snapshot and partial archive in (<c>.&lt;output&gt;.&lt;32 hex&gt;.tmp</c>
/// beside the output) and a restore stages an archive in (<c>.autopack-restore-&lt;32 hex&gt;.tmp</c> beside the
/// database). Each holds an owner file naming the process working in it (pid, host, process start time), so a folder
/// left by a process that was killed (kill -9, power loss) can be told from one in use and removed.
/// </summary>
public static partial class ScratchFolder
{
    public const string OwnerFileName = ".autopack-scratch-owner";

    /// <summary>A folder without an owner file (being created, or left by an older autopack) counts as stale only after this long.</summary>
    public static readonly TimeSpan OwnerlessGrace = TimeSpan.FromHours(1);

    /// <summary>Creates the folder and its owner file for this process.</summary>
    internal static void Create(string folder)
    {
        Directory.CreateDirectory(folder);
        using var self = Process.GetCurrentProcess();
        File.WriteAllText(
            Path.Combine(folder, OwnerFileName),
            string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {Environment.MachineName} {StartTicks(self)}\n"));
    }

    /// <summary>
    /// Removes the stale scratch folders directly in each of <paramref name="folders"/>: those whose owner is no longer
    /// running on this host (or whose pid now belongs to a later process), and ownerless ones older than
    /// <see cref="OwnerlessGrace"/>. A folder of a backup or restore still running, or owned on another host, is left
    /// alone. Returns the folders removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveStale(IEnumerable<string> folders, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(time);
        var removed = new List<string>();
        foreach (var parent in folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (var candidate in Directory.EnumerateDirectories(parent, ".*.tmp"))
            {
                if (ScratchName().IsMatch(Path.GetFileName(candidate)) && IsStale(candidate, time) && DeleteQuietly(candidate))
                {
                    removed.Add(candidate);
                }
            }
        }

        return removed;
    }

    /// <summary>
    /// Deletes the folder if it exists, never throwing; true when it is gone. It is left behind only when the disk
    /// itself fails, and its hidden name is never taken for a backup or an installation.
    /// </summary>
    internal static bool DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsStale(string folder, TimeProvider time)
    {
        var owner = Path.Combine(folder, OwnerFileName);
        string[] fields;
        try
        {
            fields = File.ReadAllText(owner).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return time.GetUtcNow().UtcDateTime - Directory.GetLastWriteTimeUtc(folder) > OwnerlessGrace;
        }

        if (fields.Length != 3 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out var pid) || !long.TryParse(fields[2], CultureInfo.InvariantCulture, out var started))
        {
            return time.GetUtcNow().UtcDateTime - File.GetLastWriteTimeUtc(owner) > OwnerlessGrace;
        }

        if (!string.Equals(fields[1], Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited || StartTicks(process) != started;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    // Whole seconds: the start time is read from /proc and must compare equal between two readings.
    private static long StartTicks(Process process) =>
        process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;

    [GeneratedRegex(@"^\..+[.-][0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex ScratchName();
}
