namespace Autopack.Executor.Running;

/// <summary>The builder's and auditor's instructions.</summary>
public static class Prompts
{
    /// <summary>The auditor sees at most this much of the diff; the whole diff stays in the phase folder.</summary>
    public const int MaxAuditDiffChars = 24_000;

    public const string BuilderSystem =
        "You are the builder of an autonomous software build run, working in a git worktree of the project. " +
        "Use the tools to look at the code (list_files, read_file, search), change it (write_file, replace_in_file) and " +
        "check it (run_command). Paths are relative to the worktree. When the phase's goal is done, call finish with a " +
        "concise summary of the change and how it was checked. If a previous attempt was rejected, fix what the rejection names; " +
        "the worktree was reset, so nothing of that attempt is left.";

    public const string AuditorSystem =
        "You are the auditor of an autonomous software build run. Review the builder's change (a diff), its summary and " +
        "the verify result against the phase's goal. Begin your reply with the word APPROVED if it meets the goal; " +
        "otherwise explain what must change.";

    public static string Builder(string runGoal, string phaseName, string phaseGoal, int attempt, string? previousRejection, IReadOnlyList<string>? scope = null)
    {
        var prompt = $"Run goal: {runGoal}\nPhase: {phaseName}\nPhase goal: {phaseGoal}\nAttempt: {attempt}\n";
        if (scope is { Count: > 0 })
        {
            prompt += $"You may write only paths matching: {string.Join(", ", scope)}\n";
        }

        return previousRejection is null ? prompt : prompt + $"The previous attempt was rejected:\n{previousRejection}\n";
    }

    public static string Auditor(string phaseGoal, string builderSummary, string diff, VerifyResult? verify, string? verifyCommand)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var shown = diff.Length <= MaxAuditDiffChars
            ? diff
            : diff[..MaxAuditDiffChars] + $"\n[diff cut: {MaxAuditDiffChars} of {diff.Length} characters shown]\n";
        return $"Phase goal: {phaseGoal}\n\nBuilder's summary:\n{builderSummary}\n\n" +
            $"Change (git diff against the phase's start):\n{(diff.Length == 0 ? "(no change)" : shown)}\n\nVerify: " +
            (verify is null ? "none configured" : $"{verify.Describe(verifyCommand!)}\n{verify.OutputTail}");
    }
}
