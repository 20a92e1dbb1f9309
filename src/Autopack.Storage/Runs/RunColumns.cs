using System.Data.Common;
using Autopack.Domain.Runs;
using Autopack.Storage.Database;
using Autopack.Storage.Entities;

namespace Autopack.Storage.Runs;

/// <summary>The columns of a run, a tier and a phase as plain SQL selects them, and the rows read back from them.</summary>
internal static class RunColumns
{
    /// <summary>The run's columns (11), in the order <see cref="ReadRun"/> reads them.</summary>
    public const string Run = "run_id, status, goal, token_cap, created_at, started_at, finished_at, failure_reason, repository, base_commit, branch";

    public const int RunCount = 11;

    private static readonly string[] PhaseNames =
    [
        "phase_id", "run_id", "tier_id", "phase_name", "position", "category", "complexity", "goal", "provider", "verify",
        "verify_timeout_seconds", "offline_rejections", "status", "token_cap", "attempts", "max_attempts", "created_at",
        "started_at", "finished_at", "failure_reason", "scope", "max_turns", "offline_edits", "commit_sha",
        "builder_command", "builder_timeout_seconds", "models",
    ];

    /// <summary>The phase's columns (27), in the order <see cref="ReadPhase"/> reads them.</summary>
    public static readonly string Phase = string.Join(", ", PhaseNames);

    public static int PhaseCount => PhaseNames.Length;

    /// <summary>The phase's columns of a table aliased <paramref name="alias"/> (<c>p.phase_id, p.run_id, ...</c>).</summary>
    public static string PhaseOf(string alias) => string.Join(", ", PhaseNames.Select(n => $"{alias}.{n}"));

    public static RunRow ReadRun(DbDataReader reader) => new()
    {
        RunId = reader.GetString(0),
        Status = StatusNames.ParseRun(reader.GetString(1)),
        Goal = reader.GetString(2),
        TokenCap = reader.GetInt64(3),
        CreatedAt = DbTime.FromText(reader.GetString(4)),
        StartedAt = reader.TimeOrNull(5),
        FinishedAt = reader.TimeOrNull(6),
        FailureReason = reader.TextOrNull(7),
        Repository = reader.TextOrNull(8),
        BaseCommit = reader.TextOrNull(9),
        Branch = reader.TextOrNull(10),
    };

    public static PhaseRow ReadPhase(DbDataReader reader) => new()
    {
        PhaseId = reader.GetString(0),
        RunId = reader.GetString(1),
        TierId = reader.GetInt64(2),
        PhaseName = reader.GetString(3),
        Position = reader.GetInt32(4),
        Category = reader.TextOrNull(5),
        Complexity = reader.TextOrNull(6),
        Goal = reader.GetString(7),
        Provider = reader.GetString(8),
        Verify = reader.TextOrNull(9),
        VerifyTimeoutSeconds = reader.IntOrNull(10),
        OfflineRejections = reader.GetInt32(11),
        Status = StatusNames.ParsePhase(reader.GetString(12)),
        TokenCap = reader.GetInt64(13),
        Attempts = reader.GetInt32(14),
        MaxAttempts = reader.GetInt32(15),
        CreatedAt = DbTime.FromText(reader.GetString(16)),
        StartedAt = reader.TimeOrNull(17),
        FinishedAt = reader.TimeOrNull(18),
        FailureReason = reader.TextOrNull(19),
        Scope = reader.TextOrNull(20),
        MaxTurns = reader.GetInt32(21),
        OfflineEdits = reader.TextOrNull(22),
        CommitSha = reader.TextOrNull(23),
        BuilderCommand = reader.TextOrNull(24),
        BuilderTimeoutSeconds = reader.IntOrNull(25),
        Models = reader.TextOrNull(26),
    };

    public static TierRow ReadTier(DbDataReader reader, string runId) =>
        new() { TierId = reader.GetInt64(0), RunId = runId, Name = reader.GetString(1), Position = reader.GetInt32(2) };

    public static RunProgress ProgressOf(RunRow run) => new(run.Status, run.StartedAt, run.FinishedAt, run.FailureReason);

    public static PhaseProgress ProgressOf(PhaseRow phase) =>
        new(phase.Status, phase.Attempts, phase.MaxAttempts, phase.StartedAt, phase.FinishedAt, phase.FailureReason, phase.CommitSha);

    /// <summary>Copies a progress onto a run row (what the stores write back).</summary>
    public static void Apply(RunRow run, RunProgress progress)
    {
        (run.Status, run.StartedAt, run.FinishedAt, run.FailureReason) = (progress.Status, progress.StartedAt, progress.FinishedAt, progress.FailureReason);
    }

    public static void Apply(PhaseRow phase, PhaseProgress progress)
    {
        (phase.Status, phase.Attempts, phase.StartedAt, phase.FinishedAt, phase.FailureReason, phase.CommitSha) =
            (progress.Status, progress.Attempts, progress.StartedAt, progress.FinishedAt, progress.FailureReason, progress.CommitSha);
    }
}
