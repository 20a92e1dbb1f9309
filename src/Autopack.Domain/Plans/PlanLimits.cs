namespace Autopack.Domain.Plans;

/// <summary>
/// The one set of limits on a plan, whichever way it arrives (<c>POST /runs</c> or <c>autopack runs create --file</c>):
/// the size of the document, its nesting, how many items its lists hold and how long its strings are. A plan past
/// any of them is refused naming the field, so a refusal never depends on the transport.
/// </summary>
public static class PlanLimits
{
    /// <summary>The plan document's size in bytes (UTF-8): the API's body limit and the CLI's file limit.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>How deep objects and arrays may nest; a plan needs five levels (run, tiers, tier, phases, phase, edits).</summary>
    public const int MaxDepth = 16;

    public const int MaxPhases = 1000;

    public const int MaxScopeGlobs = 64;

    public const int MaxOfflineEdits = 200;

    public const int MaxTurns = 200;

    /// <summary>A phase's <c>models</c>: one per attempt at most (<c>max_attempts</c> is at most 20).</summary>
    public const int MaxModels = 20;

    /// <summary>A run's or a phase's goal, in UTF-16 characters: it goes into every builder prompt.</summary>
    public const int MaxGoalLength = 20_000;

    /// <summary>A tier's name, a phase's name, its category.</summary>
    public const int MaxNameLength = 200;

    /// <summary>A phase's <c>verify</c> command and its <c>builder.command</c>.</summary>
    public const int MaxCommandLength = 8_192;

    /// <summary>The workspace's repository and base, a scope glob, an offline edit's path.</summary>
    public const int MaxPathLength = 4_096;
}
