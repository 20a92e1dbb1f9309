using System.Runtime.InteropServices;

namespace Autopack.Workspace.Processes;

/// <summary>
/// Starts commands as the leader of a process group of their own (through <c>setsid</c>) so that the whole
/// group can be killed at once: Process.Kill(entireProcessTree) only finds descendants still linked to the
/// command, and misses one whose parent already exited (<c>(sleep 300 &amp;)</c>, a daemonising server).
/// </summary>
internal static partial class ProcessGroup
{
    private const int SigKill = 9;

    private static readonly string? SetsidPath = FindSetsid();

    public static bool IsAvailable => SetsidPath is not null;

    /// <summary>The program and arguments that start <paramref name="program"/> in a new group.</summary>
    public static (string Program, IReadOnlyList<string> Arguments) Wrap(string program, IReadOnlyList<string> arguments) =>
        SetsidPath is null ? (program, arguments) : (SetsidPath, [program, .. arguments]);

    /// <summary>Kills every process of the group led by <paramref name="leaderPid"/>; a group already gone is fine.</summary>
    public static void Kill(int leaderPid)
    {
        if (SetsidPath is null || leaderPid <= 1)
        {
            return;
        }

        _ = SysKill(-leaderPid, SigKill);
    }

    private static string? FindSetsid()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        string[] candidates = ["/usr/bin/setsid", "/bin/setsid"];
        return candidates.FirstOrDefault(File.Exists);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SysKill(int pid, int signal);
}
