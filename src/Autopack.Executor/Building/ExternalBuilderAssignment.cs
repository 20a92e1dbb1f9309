using Autopack.Gateway;
using Autopack.Storage.Runtime;

namespace Autopack.Executor.Building;

/// <summary>
/// One attempt of a phase whose builder is an external agent (the plan's <c>builder.command</c>).
/// </summary>
/// <param name="Command">Run with <c>/bin/sh -c</c> in the worktree.</param>
/// <param name="WorktreePath">The run's worktree, reset to the phase's start.</param>
/// <param name="Timeout">After this the agent's whole process tree is killed and the result says <c>TimedOut</c>.</param>
/// <param name="Attempt">What the metered endpoint charges (the phase) and forwards to (its provider, attempt N's model).</param>
/// <param name="Prompt">The phase's goal and the last rejection, written to <c>AUTOPACK_PROMPT_FILE</c>.</param>
/// <param name="Files">Where the attempt's prompt file and the agent's whole output go.</param>
public sealed record ExternalBuilderAssignment(
    string Command,
    string WorktreePath,
    TimeSpan Timeout,
    GatewayAttempt Attempt,
    string Prompt,
    AttemptFiles Files);
