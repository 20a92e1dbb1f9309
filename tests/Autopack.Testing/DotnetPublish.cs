using System.Diagnostics;
using System.Text;

namespace Autopack.Testing;

/// <summary>
/// <c>dotnet publish</c> of one of this repository's projects into a folder, as a child process that leaves nothing
/// running behind it (no MSBuild node reuse, no build server), so a test run's output pipes close when it ends.
/// </summary>
public static class DotnetPublish
{
    /// <summary>Longer than any publish here takes (a cold Native AOT compile on two loaded cores: a few minutes).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    /// <summary>Publishes <paramref name="project"/> into <paramref name="output"/> and returns that folder; throws with the build's output if it fails.</summary>
    public static async Task<string> RunAsync(string project, string output, params string[] extraArguments) =>
        (await RunWithLogAsync(project, output, extraArguments).ConfigureAwait(false)).Folder;

    /// <summary>As <see cref="RunAsync"/>, also returning what the publish printed (its messages and warnings).</summary>
    public static async Task<(string Folder, string Log)> RunWithLogAsync(string project, string output, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "publish", project, "-o", output, "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false"; // an MSBuild property for every build the publish starts, the native front's included
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        var log = new StringBuilder();
        var reading = Task.WhenAll(CopyAsync(process.StandardOutput, log), CopyAsync(process.StandardError, log));
        using (var timeout = new CancellationTokenSource(Timeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"dotnet publish {project} did not end within {Timeout}:\n{log}");
            }
        }

        await reading.ConfigureAwait(false);
        return process.ExitCode == 0
            ? (output, log.ToString())
            : throw new InvalidOperationException($"dotnet publish {project} exited {process.ExitCode}:\n{log}");
    }

    private static async Task CopyAsync(StreamReader reader, StringBuilder log)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }
}
