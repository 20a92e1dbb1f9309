using Autopack.Workspace.Processes;

namespace Autopack.Cli.Commands;

/// <summary>
/// The sample repository that examples/demo-plan.json works on (examples/sample-service, embedded in this build):
/// a tiny service whose health test fails, made a git repository with one commit.
/// </summary>
public static class SampleRepository
{
    private const string ResourcePrefix = "sample-service/";
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Creates it in <paramref name="directory"/>, which must not exist or be empty.</summary>
    public static async Task CreateAsync(string directory, CommandRunner runner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new CliException($"{directory} exists and is not empty; name a new folder", 2);
        }

        Directory.CreateDirectory(directory);
        var assembly = typeof(SampleRepository).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var target = Path.Combine(directory, name[ResourcePrefix.Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var source = assembly.GetManifestResourceStream(name)!;
            await using var file = File.Create(target);
            await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        await GitAsync(runner, directory, ["-c", "init.defaultBranch=main", "init", "--quiet"], cancellationToken).ConfigureAwait(false);
        await GitAsync(runner, directory, ["add", "--all"], cancellationToken).ConfigureAwait(false);
        await GitAsync(runner, directory,
            ["-c", "user.name=Autopack", "-c", "user.email=autopack@localhost", "commit", "--quiet", "-m", "sample service: GET /version, and a failing test of GET /health"],
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task GitAsync(CommandRunner runner, string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("git", arguments, directory, new CommandOptions(GitTimeout), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CliException($"git {arguments[^1]} failed in {directory}: {result.Output.Trim()}");
        }
    }
}
