using System.Diagnostics;

namespace Autopack.Bench.Startup;

/// <summary>Publishes a project the way the README does (Release), into a folder of its own.</summary>
internal static class Publisher
{
    public static async Task<string> PublishAsync(string project, string output)
    {
        Console.WriteLine($"publishing {Path.GetFileName(project)} ...");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-o", output, "--nologo", "-v", "quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"dotnet publish {project} exited {process.ExitCode}");
    }
}
