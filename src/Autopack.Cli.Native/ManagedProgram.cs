using System.Runtime.InteropServices;
using Autopack.Domain.Settings;

namespace Autopack.Cli;

/// <summary>Replaces this process with <c>autopack-managed</c> (execv): same PID, arguments, environment and streams.</summary>
internal static partial class ManagedProgram
{
    /// <summary>Returns only when the exec failed: the reason on <paramref name="error"/>, exit code 127.</summary>
    public static int Exec(string[] args, TextWriter error)
    {
        var path = Path.Combine(AppContext.BaseDirectory, PublishedLayout.Managed);
        if (!File.Exists(path))
        {
            error.WriteLine($"error: {path} is missing; publish Autopack again (dotnet publish src/Autopack.Cli), which puts it beside autopack");
            return 127;
        }

        string?[] argv = [PublishedLayout.Front, .. args, null];
        ExecV(path, argv);
        error.WriteLine($"error: could not start {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        return 127;
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ExecV(string path, string?[] argv);
}
