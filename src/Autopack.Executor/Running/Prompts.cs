namespace Autopack.Executor.Running;

/// <summary>The builder's and auditor's instructions.</summary>
public static class Prompts
{
    public const string BuilderSystem =
        "You are the builder of an autonomous software build run. Do the phase's goal in the workspace and reply with " +
        "a concise account of the change you made and how to check it. If a previous attempt was rejected, fix what the rejection names.";

    public const string AuditorSystem =
        "You are the auditor of an autonomous software build run. Review the builder's output and the verify result " +
        "against the phase's goal. Begin your reply with the word APPROVED if it meets the goal; otherwise explain what must change.";

    public static string Builder(string runGoal, string phaseName, string phaseGoal, int attempt, string? previousRejection)
    {
        var prompt = $"Run goal: {runGoal}\nPhase: {phaseName}\nPhase goal: {phaseGoal}\nAttempt: {attempt}\n";
        return previousRejection is null ? prompt : prompt + $"The previous attempt was rejected:\n{previousRejection}\n";
    }

    public static string Auditor(string phaseGoal, string builderOutput, VerifyResult? verify, string? verifyCommand) =>
        $"Phase goal: {phaseGoal}\n\nBuilder output:\n{builderOutput}\n\nVerify: " +
        (verify is null ? "none configured" : $"{verify.Describe(verifyCommand!)}\n{verify.OutputTail}");
}
