namespace Autopack.Domain.Runs;

/// <summary>
/// Maps statuses to and from the names operators see in sqlite3 and JSON (<c>DONE_SUCCESS</c>, <c>CI_RUNNING</c>).
/// </summary>
public static class StatusNames
{
    private static readonly Dictionary<RunStatus, string> RunNames = new()
    {
        [RunStatus.Queued] = "QUEUED",
        [RunStatus.Executing] = "EXECUTING",
        [RunStatus.Paused] = "PAUSED",
        [RunStatus.DoneSuccess] = "DONE_SUCCESS",
        [RunStatus.DoneFailed] = "DONE_FAILED",
        [RunStatus.Aborted] = "ABORTED",
        [RunStatus.BudgetExceeded] = "BUDGET_EXCEEDED",
    };

    private static readonly Dictionary<PhaseStatus, string> PhaseNames = new()
    {
        [PhaseStatus.Queued] = "QUEUED",
        [PhaseStatus.Executing] = "EXECUTING",
        [PhaseStatus.CiRunning] = "CI_RUNNING",
        [PhaseStatus.Gate] = "GATE",
        [PhaseStatus.Complete] = "COMPLETE",
        [PhaseStatus.Failed] = "FAILED",
        [PhaseStatus.TimedOut] = "TIMED_OUT",
        [PhaseStatus.Skipped] = "SKIPPED",
        [PhaseStatus.BudgetExceeded] = "BUDGET_EXCEEDED",
    };

    private static readonly Dictionary<string, RunStatus> RunByName = RunNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
    private static readonly Dictionary<string, PhaseStatus> PhaseByName = PhaseNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> AllRunNames => RunNames.Values;

    public static IReadOnlyCollection<string> AllPhaseNames => PhaseNames.Values;

    public static string ToName(this RunStatus status) => RunNames[status];

    public static string ToName(this PhaseStatus status) => PhaseNames[status];

    public static RunStatus ParseRun(string name) =>
        RunByName.TryGetValue(name, out var status) ? status : throw new FormatException($"'{name}' is not a run status");

    public static PhaseStatus ParsePhase(string name) =>
        PhaseByName.TryGetValue(name, out var status) ? status : throw new FormatException($"'{name}' is not a phase status");

    public static bool TryParseRun(string name, out RunStatus status) => RunByName.TryGetValue(name, out status);
}
