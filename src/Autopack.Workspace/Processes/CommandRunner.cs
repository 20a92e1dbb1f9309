using System.Collections;
using System.Diagnostics;
using CliWrap;

namespace Autopack.Workspace.Processes;

/// <summary>
/// The one process runner for git, <c>verify</c> and <c>run_command</c>: a program (or <c>/bin/sh -c</c>) in a
/// folder, stdin closed, stdout and stderr interleaved into a capped tail (and optionally a log file), secrets
/// removed from the environment, and a timeout that kills the whole process group. Processes a command leaves
/// behind in its group are killed when it ends, so nothing it started outlives it.
/// </summary>
public sealed class CommandRunner
{
    // After the command exits, how long a background process may keep its output open before it is killed.
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    // How long to wait for the pipes to close once everything was killed.
    private static readonly TimeSpan KillSettle = TimeSpan.FromSeconds(5);

    public Task<CommandResult> RunShellAsync(
        string command, string workingDirectory, CommandOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return RunAsync("/bin/sh", ["-c", command], workingDirectory, options, cancellationToken);
    }

    /// <exception cref="DirectoryNotFoundException">The working directory does not exist.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled; the process group was killed.</exception>
    public async Task<CommandResult> RunAsync(
        string program,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        CommandOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = options.LogPath is null ? null : OpenLog(options.LogPath);
        await using (log)
        {
            var output = new OutputCapture(options.MaxOutputChars, log);
            var outcome = await ExecuteAsync(
                program,
                arguments,
                workingDirectory,
                options.Timeout,
                EnvironmentFor(options.Environment, options.ScrubSecrets, options.PassedSecrets),
                output.CreateTarget(),
                output.CreateTarget(),
                cancellationToken).ConfigureAwait(false);

            var (text, omitted) = output.Snapshot();
            if (omitted > 0)
            {
                text = $"[output cut: the first {omitted} characters are not shown]\n{text}";
            }

            return new CommandResult(outcome.ExitCode, outcome.TimedOut, text, omitted > 0, outcome.Duration)
            {
                OmittedChars = omitted,
            };
        }
    }

    /// <summary>The environment overrides a command gets: the given variables, and every secret (inherited or
    /// given) removed when <paramref name="scrubSecrets"/> is set, except the given ones named in <paramref name="passed"/>.</summary>
    internal static Dictionary<string, string?> EnvironmentFor(IReadOnlyDictionary<string, string?>? extra, bool scrubSecrets, IReadOnlySet<string>? passed = null)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (extra is not null)
        {
            foreach (var (name, value) in extra)
            {
                result[name] = value;
            }
        }

        if (scrubSecrets)
        {
            // A variable given on purpose (passed) keeps its given value; every other secret, inherited or given, goes.
            bool Kept(string name) => passed is not null && passed.Contains(name) && extra is not null && extra.ContainsKey(name);
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                if (entry.Key is string name && SecretVariables.IsSecret(name) && !Kept(name))
                {
                    result[name] = null;
                }
            }

            foreach (var name in result.Keys.Where(n => SecretVariables.IsSecret(n) && !Kept(n)).ToList())
            {
                result[name] = null;
            }
        }

        return result;
    }

    /// <summary>
    /// Runs a program with the given output targets (git keeps stdout apart from stderr). With
    /// <paramref name="ownProcessGroup"/> false the program is started directly, not through <c>setsid</c>: for a
    /// program that starts nothing of its own (git plumbing that runs no hooks), where the extra exec is all setsid adds.
    /// </summary>
    internal async Task<ProcessOutcome> ExecuteAsync(
        string program,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?> environment,
        PipeTarget standardOutput,
        PipeTarget standardError,
        CancellationToken cancellationToken,
        bool ownProcessGroup = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(workingDirectory))
        {
            throw new DirectoryNotFoundException($"The working directory '{workingDirectory}' does not exist.");
        }

        var (target, targetArguments) = ownProcessGroup ? ProcessGroup.Wrap(program, arguments) : (program, arguments);
        var command = Cli.Wrap(target)
            .WithArguments(targetArguments)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(PipeSource.Null)
            .WithStandardOutputPipe(standardOutput)
            .WithStandardErrorPipe(standardError);

        var started = Stopwatch.GetTimestamp();
        using var kill = new CancellationTokenSource();
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = 0;
        var execution = command.ExecuteAsync(
            null,
            process =>
            {
                pid = process.Id;
                ObserveExit(process, exited);
            },
            kill.Token).Task;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await exited.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await KillAsync(ownProcessGroup ? pid : 0, kill, execution).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return new ProcessOutcome(null, TimedOut: true, Stopwatch.GetElapsedTime(started));
        }

        int exitCode;
        try
        {
            // A background process that keeps stdout open would otherwise hold the command until its timeout.
            var result = await execution.WaitAsync(OutputGrace, deadline.Token).ConfigureAwait(false);
            exitCode = result.ExitCode;
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            await KillAsync(ownProcessGroup ? pid : 0, kill, execution).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            exitCode = exited.Task.Result;
        }

        // Whatever the command left running in its group (a server started with &) ends with it.
        if (ownProcessGroup)
        {
            ProcessGroup.Kill(pid);
        }

        return new ProcessOutcome(exitCode, TimedOut: false, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Completes <paramref name="exited"/> with the exit code when the process exits. Read in the Exited event (or
    /// here, when it has already exited), while CliWrap still holds the process: a wait's continuation on the thread
    /// pool could run after CliWrap disposed it, and the exception that read then throws cost each process some time.
    /// </summary>
    private static void ObserveExit(Process process, TaskCompletionSource<int> exited)
    {
        process.EnableRaisingEvents = true;
        process.Exited += (sender, _) => SetExitCode((Process)sender!, exited);
        if (process.HasExited)
        {
            SetExitCode(process, exited);
        }
    }

    private static void SetExitCode(Process process, TaskCompletionSource<int> exited)
    {
        try
        {
            exited.TrySetResult(process.ExitCode);
        }
        catch (InvalidOperationException)
        {
            // CliWrap disposed the process after a normal exit: its own result carries the exit code.
            exited.TrySetResult(-1);
        }
    }

    /// <summary>Kills the group led by <paramref name="groupLeader"/> (0: none; the program alone is killed by CliWrap's cancellation).</summary>
    private static async Task KillAsync(int groupLeader, CancellationTokenSource kill, Task execution)
    {
        ProcessGroup.Kill(groupLeader);
        await kill.CancelAsync().ConfigureAwait(false);
        try
        {
            await execution.WaitAsync(KillSettle).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The command is being killed: how its pipes ended does not matter any more.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static FileStream OpenLog(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
    }
}
