using System.Collections;
using Autopack.Gateway;
using Autopack.Workspace.Processes;
using Microsoft.Extensions.Logging;

namespace Autopack.Executor.Building;

/// <summary>
/// Runs an external agent (aider, Codex CLI, Claude Code, a script) as a phase's builder (ADR-038): its command in
/// the worktree through the one process runner (stdin closed, whole process tree killed at the timeout or when the
/// caller's token is cancelled, as a control file does), with the metered endpoint open to it for this attempt only.
/// Its environment has the endpoint's base URLs and the attempt's key under the names agents read, the prompt file,
/// the run and phase ids; never a provider key, Autopack's API key or any other <c>AUTOPACK_</c> setting. The key
/// stops working as soon as the agent's process has ended, and every request it left in flight is settled first.
/// </summary>
public sealed class ExternalBuilder(MeteredEndpoint endpoint, CommandRunner commands, ILogger<ExternalBuilder> logger)
{
    /// <summary>How much of the agent's output the result keeps (the whole output is in the attempt's builder log).</summary>
    public const int MaxOutputChars = 16_000;

    /// <summary>Opens the metered endpoint for the attempt, runs the agent, and closes the endpoint to it when the agent ends.</summary>
    /// <exception cref="OperationCanceledException">the token was cancelled (stop, abort, timeout by an operator); the agent's process tree was killed.</exception>
    /// <exception cref="ArgumentException">the attempt's provider has no HTTP API to relay (<c>offline</c>).</exception>
    public async Task<ExternalBuilderResult> RunAsync(ExternalBuilderAssignment assignment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var gateway = await endpoint.StartAttemptAsync(assignment.Attempt, cancellationToken).ConfigureAwait(false);
        return await RunAsync(assignment, gateway, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the agent against an attempt's gateway already open, and stops the gateway when the agent ends (however it ends).</summary>
    public async Task<ExternalBuilderResult> RunAsync(ExternalBuilderAssignment assignment, AttemptGateway gateway, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(gateway);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(assignment.Files.PromptPath)!);
            await File.WriteAllTextAsync(assignment.Files.PromptPath, assignment.Prompt, cancellationToken).ConfigureAwait(false);
            var options = new CommandOptions(assignment.Timeout, MaxOutputChars, assignment.Files.BuilderLogPath, ScrubSecrets: true, EnvironmentFor(assignment, gateway))
            {
                PassedSecrets = AttemptGateway.KeyVariables,
            };

            logger.LogInformation("phase {PhaseId}: external builder started: {Command}", assignment.Attempt.PhaseId, assignment.Command);
            var result = await commands.RunShellAsync(assignment.Command, assignment.WorktreePath, options, cancellationToken).ConfigureAwait(false);

            // The key dies with the agent: requests its children left in flight are cancelled and settled now.
            await gateway.StopAsync().ConfigureAwait(false);
            var usage = gateway.Usage;
            logger.LogInformation(
                "phase {PhaseId}: external builder ended ({Outcome}) after {Seconds:F1}s: {Requests} requests, {Refused} refused, {Tokens} tokens",
                assignment.Attempt.PhaseId, result.TimedOut ? "timed out" : $"exit {result.ExitCode}", result.Duration.TotalSeconds, usage.Requests, usage.Refused, usage.TokensCharged);
            return new ExternalBuilderResult(result.ExitCode, result.TimedOut, result.Output, result.OutputTruncated, result.Duration, usage);
        }
        finally
        {
            await gateway.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The agent's environment on top of the executor's: the endpoint's variables and the attempt's; every other
    /// <c>AUTOPACK_</c> setting removed (the database, the API key, the provider keys and base URLs are Autopack's,
    /// not the agent's), and the runner removes every other secret-looking variable.
    /// </summary>
    internal static Dictionary<string, string?> EnvironmentFor(ExternalBuilderAssignment assignment, AttemptGateway gateway)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith("AUTOPACK_", StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = null;
            }
        }

        foreach (var (name, value) in gateway.AgentEnvironment)
        {
            environment[name] = value;
        }

        environment["AUTOPACK_PROMPT_FILE"] = assignment.Files.PromptPath;
        environment["AUTOPACK_RUN_ID"] = assignment.Attempt.RunId;
        environment["AUTOPACK_PHASE_ID"] = assignment.Attempt.PhaseId;
        return environment;
    }
}
