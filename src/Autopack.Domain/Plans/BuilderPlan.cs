namespace Autopack.Domain.Plans;

/// <summary>
/// A phase's <c>builder</c>: an external agent (aider, Codex CLI, Claude Code, a script) that builds instead of the
/// built-in agent loop. <see cref="Command"/> runs with <c>/bin/sh -c</c> in the run's worktree, behind the metered
/// endpoint (SPEC, "Any agent CLI as the builder"); after <see cref="TimeoutSeconds"/> (default
/// <see cref="DefaultTimeoutSeconds"/>) its whole process tree is killed and the attempt fails.
/// </summary>
public sealed record BuilderPlan(string Command, int? TimeoutSeconds = null)
{
    /// <summary>An hour: an agent CLI works for minutes; one that runs longer is stuck or looping.</summary>
    public const int DefaultTimeoutSeconds = 3_600;

    /// <summary>The longest an external builder may be given: a day, as for <c>verify_timeout_seconds</c>.</summary>
    public const int MaxTimeoutSeconds = 86_400;
}
