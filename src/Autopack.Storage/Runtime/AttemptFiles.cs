namespace Autopack.Storage.Runtime;

/// <summary>
/// What each attempt of a phase leaves in <c>.autonomous_runs/&lt;run-id&gt;/phases/&lt;phase-id&gt;/</c>: the change
/// against the phase's start, the builder's transcript, the verify log and the auditor's reply. The executor
/// writes them; the API and the dashboard read them.
/// </summary>
public sealed record AttemptFiles(string Folder, int Attempt)
{
    public static readonly IReadOnlyList<string> Kinds = ["diff", "transcript", "verify", "auditor"];

    public string DiffPath => File("diff");

    public string TranscriptPath => File("transcript.jsonl");

    public string VerifyLogPath => File("verify.log");

    public string AuditorPath => File("auditor.md");

    /// <summary>An external builder's instructions (the phase's goal and the last rejection): its <c>AUTOPACK_PROMPT_FILE</c>.</summary>
    public string PromptPath => File("prompt.md");

    /// <summary>An external builder's whole output (stdout and stderr interleaved).</summary>
    public string BuilderLogPath => File("builder.log");

    /// <summary>The file of one kind (<see cref="Kinds"/>), or null for an unknown kind.</summary>
    public string? PathOf(string kind) => kind switch
    {
        "diff" => DiffPath,
        "transcript" => TranscriptPath,
        "verify" => VerifyLogPath,
        "auditor" => AuditorPath,
        _ => null,
    };

    /// <summary>The attempts that left files in a phase folder, in order.</summary>
    public static IReadOnlyList<int> AttemptsIn(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "attempt-*")
            .Select(f => System.IO.Path.GetFileName(f)["attempt-".Length..])
            .Select(rest => rest.Split('.', 2)[0])
            .Select(n => int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var a) ? a : 0)
            .Where(a => a > 0)
            .Distinct()
            .Order()
            .ToList();
    }

    private string File(string suffix) => System.IO.Path.Combine(Folder, $"attempt-{Attempt}.{suffix}");
}
