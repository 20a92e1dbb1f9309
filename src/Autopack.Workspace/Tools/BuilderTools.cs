using System.Globalization;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Tools;

/// <summary>
/// The SPEC's seven builder tools over one worktree. A call never throws for bad input (unknown tool, missing or
/// wrong-typed argument, refused path, I/O or regex trouble): it returns an error result the model can act on.
/// Only the caller's cancellation propagates. Every result is capped at <see cref="ToolLimits.MaxResultChars"/>.
/// </summary>
public sealed class BuilderTools
{
    private readonly string _root;
    private readonly ToolLimits _limits;
    private readonly CommandRunner _runner;
    private readonly ReadTools _reads;
    private readonly EditTools _edits;

    public BuilderTools(string worktreePath, IReadOnlyList<string>? scope, ToolLimits limits, CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(runner);
        var guard = new PathGuard(worktreePath, scope);
        var files = new WorktreeFiles(guard, new GitCli(runner), limits);
        _root = guard.Root;
        _limits = limits;
        _runner = runner;
        _reads = new ReadTools(guard, files, limits);
        _edits = new EditTools(guard, files, limits);
    }

    public static IReadOnlyList<ToolDefinition> Definitions => ToolSchemas.All;

    public async Task<ToolResult> InvokeAsync(
        string name, IReadOnlyDictionary<string, object?>? arguments, CancellationToken cancellationToken)
    {
        var parsed = new ToolArguments(arguments);
        ToolResult result;
        try
        {
            result = name switch
            {
                ToolNames.ListFiles => await _reads.ListFilesAsync(parsed, cancellationToken).ConfigureAwait(false),
                ToolNames.ReadFile => await _reads.ReadFileAsync(parsed, cancellationToken).ConfigureAwait(false),
                ToolNames.Search => await _reads.SearchAsync(parsed, cancellationToken).ConfigureAwait(false),
                ToolNames.WriteFile => await _edits.WriteFileAsync(parsed, cancellationToken).ConfigureAwait(false),
                ToolNames.ReplaceInFile => await _edits.ReplaceInFileAsync(parsed, cancellationToken).ConfigureAwait(false),
                ToolNames.RunCommand => await RunCommandAsync(parsed, cancellationToken).ConfigureAwait(false),
                ToolNames.Finish => Finish(parsed),
                _ => ToolResult.Error($"unknown tool '{name}'; the tools are {string.Join(", ", ToolNames.All)}"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ToolArgumentException exception)
        {
            result = ToolResult.Error($"{name}: {exception.Message}");
        }
#pragma warning disable CA1031 // A tool call's failure goes back to the model as an error result; it never fails the attempt (SPEC).
        catch (Exception exception)
#pragma warning restore CA1031
        {
            result = ToolResult.Error($"{name} failed: {exception.GetType().Name}: {exception.Message}");
        }

        return Cap(result);
    }

    private async Task<ToolResult> RunCommandAsync(ToolArguments arguments, CancellationToken ct)
    {
        var command = arguments.RequiredString("command");
        if (command.Trim().Length == 0)
        {
            return ToolResult.Error("command is empty");
        }

        var requested = arguments.OptionalInt("timeout_seconds");
        var longest = _limits.LongestCommandTimeout;
        var timeout = requested is null
            ? _limits.CommandTimeout
            : TimeSpan.FromSeconds(Math.Clamp(requested.Value, 1, Math.Max(1, (int)longest.TotalSeconds)));
        if (timeout > longest)
        {
            timeout = longest;
        }

        // Room for the first line within the result cap, so the cap never eats the output's tail.
        var options = new CommandOptions(timeout, MaxOutputChars: Math.Max(1_000, _limits.MaxResultChars - 200), ScrubSecrets: true);
        var result = await _runner.RunShellAsync(command, _root, options, ct).ConfigureAwait(false);
        var output = result.Output.Length == 0 ? "(no output)" : result.Output;
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return result.TimedOut
            ? ToolResult.Error($"timed out after {seconds} s; process tree killed\n{output}")
            : ToolResult.Ok($"exit code {result.ExitCode}\n{output}");
    }

    private static ToolResult Finish(ToolArguments arguments)
    {
        // Read for its type check only: the caller takes the summary from the call itself.
        _ = arguments.OptionalString("summary");
        return ToolResult.Ok("finished");
    }

    private ToolResult Cap(ToolResult result)
    {
        var max = Math.Max(200, _limits.MaxResultChars);
        if (result.Content.Length <= max)
        {
            return result;
        }

        var kept = max - 80;
        return result with
        {
            Content = $"{result.Content[..kept]}\n[result cut: {kept} of {result.Content.Length} characters shown]",
        };
    }
}
