using System.Reflection;
using Autopack.Domain.Settings;

namespace Autopack.Worker;

/// <summary>
/// How a worker (or the demo) starts <c>autopack execute</c>: the program this process was started as (the published
/// <c>autopack</c>, or <c>dotnet</c> with autopack.dll, as in the tests and <c>dotnet run</c>; in a published folder with
/// the native front, that front: <see cref="PublishedLayout.ExecutorProgram"/>) and the arguments that come before
/// the command's own.
/// </summary>
public sealed record ExecutorLauncher(string Program, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>The executable of this process; through <c>dotnet</c>, the entry assembly goes first.</summary>
    public static ExecutorLauncher ForCurrentProcess()
    {
        var program = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process's executable is unknown; cannot start executors");
        if (!string.Equals(Path.GetFileNameWithoutExtension(program), "dotnet", StringComparison.Ordinal))
        {
            return new ExecutorLauncher(PublishedLayout.ExecutorProgram(program), []);
        }

        var entry = Assembly.GetEntryAssembly()?.Location;
        return string.IsNullOrEmpty(entry)
            ? throw new InvalidOperationException("started through dotnet, but the entry assembly's path is unknown; cannot start executors")
            : new ExecutorLauncher(program, [entry]);
    }

    /// <summary>The full argument list for <c>execute --run-id <paramref name="runId"/></c>.</summary>
    public IReadOnlyList<string> ExecuteArguments(string runId) => [.. LeadingArguments, "execute", "--run-id", runId];
}
