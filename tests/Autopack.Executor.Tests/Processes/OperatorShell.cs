using System.Diagnostics;

namespace Autopack.Executor.Tests.Processes;

/// <summary>What an operator types into a shell, run by a real /bin/sh.</summary>
internal static class OperatorShell
{
    /// <summary>Writes the file as `echo "..." > file` does (a shell, not an atomic rename).</summary>
    public static async Task Echo(string content, string path)
    {
        var (code, _, error) = await RunAsync($"echo \"{content}\" > \"{path}\"");
        Assert.That(code, Is.Zero, error);
    }

    public static async Task<(int Code, string Output, string Error)> RunAsync(string command)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
