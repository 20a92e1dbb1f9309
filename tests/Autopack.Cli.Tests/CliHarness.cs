using System.CommandLine;
using System.Text.Json;
using Autopack.Cli.Commands;
using Autopack.Storage.Database;
using Autopack.Testing;
using Autopack.Workspace.Processes;
using Microsoft.Data.Sqlite;

namespace Autopack.Cli.Tests;

/// <summary>What one in-process <c>autopack</c> invocation did.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// A temp working directory with an autopack.json (settings come from that file, never from this process's
/// environment, which parallel tests share), and the <c>autopack</c> command tree invoked in-process on it.
/// </summary>
public sealed class CliHarness : IDisposable
{
    private readonly TempDirectory directory = new("autopack-cli");

    /// <param name="settings">autopack.json's content; by default a database and runtime folder inside the working directory.</param>
    /// <param name="sample">whether to make the sample repository that <see cref="ExamplePlan"/> works on (its workspace.repository).</param>
    public CliHarness(IReadOnlyDictionary<string, object>? settings = null, bool sample = true)
    {
        WriteSettings(settings ?? new Dictionary<string, object>
        {
            ["AUTOPACK_DB"] = Path.Combine("state", "cli.db"),
            ["AUTOPACK_RUNS_DIR"] = "runtime",
        });
        if (sample)
        {
            SampleRepository.CreateAsync(directory.Combine(DemoCommand.SampleFolder), new CommandRunner(), CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public string WorkingDirectory => directory.Path;

    /// <summary>Where the default autopack.json puts the database (a relative path, resolved against the working directory).</summary>
    public string DatabasePath => directory.Combine("state", "cli.db");

    public string RunsDirectory => directory.Combine("runtime");

    public SqliteDatabase Database => new(DatabasePath);

    public static string ExamplePlan => RepositoryRoot.Combine("examples", "demo-plan.json");

    public void WriteSettings(IReadOnlyDictionary<string, object> settings) =>
        File.WriteAllText(directory.Combine("autopack.json"), JsonSerializer.Serialize(settings));

    public string WriteFile(string relativePath, string content)
    {
        var path = directory.Combine(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await AutopackCli.Create(WorkingDirectory).Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs a command that must succeed.</summary>
    public async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.That(result.ExitCode, Is.Zero, $"autopack {string.Join(' ', args)}: {result}");
        return result;
    }

    public long Count(string table)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    public (long Runs, long Tiers, long Phases, long Events) RunTableCounts() =>
        (Count("runs"), Count("tiers"), Count("phases"), Count("events"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Dispose();
    }
}
