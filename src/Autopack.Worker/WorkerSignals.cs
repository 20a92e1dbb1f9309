using System.Runtime.InteropServices;

namespace Autopack.Worker;

/// <summary>Signals to an executor by its pid (never by name): SIGTERM asks it to stop gracefully (the run is PAUSED).</summary>
internal static partial class WorkerSignals
{
    private const int SigTerm = 15;

    public static bool Terminate(int pid) => pid > 1 && Kill(pid, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
