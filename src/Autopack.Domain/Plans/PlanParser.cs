using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Autopack.Domain.Plans;

/// <summary>
/// Reads a plan from JSON, strictly: unknown fields, wrong types, missing required fields, negative caps, duplicate
/// ids, invalid Unicode and anything past <see cref="PlanLimits"/> are refused with a
/// <see cref="PlanValidationException"/> naming the field. <c>POST /runs</c> and <c>autopack runs create</c> both
/// hand it the document's bytes, so both refuse the same plans with the same words.
/// </summary>
public static class PlanParser
{
    public const int DefaultMaxAttempts = 3;

    /// <summary>The field name of the document as a whole.</summary>
    public const string DocumentField = "$";

    private static readonly string[] Providers = ["offline", "openai", "anthropic"];
    private static readonly string[] Complexities = ["low", "medium", "high"];
    private static readonly HashSet<string> RunFields = ["run_id", "goal", "token_cap", "tiers", "workspace"];
    private static readonly HashSet<string> WorkspaceFields = ["repository", "base"];
    private static readonly HashSet<string> OfflineEditFields = ["path", "content", "old", "new"];
    private static readonly HashSet<string> TierFields = ["name", "phases"];
    private static readonly HashSet<string> PhaseFields =
    [
        "phase_id", "phase_name", "goal", "category", "complexity", "max_attempts", "token_cap",
        "provider", "verify", "verify_timeout_seconds", "offline_rejections", "scope", "max_turns", "offline_edits",
    ];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A plan given as text (tests, tools); it is read as the UTF-8 bytes a file or a request body would hold.</summary>
    public static RunPlan Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException)
        {
            throw new PlanValidationException(DocumentField, "not valid Unicode (a lone surrogate)");
        }

        return Parse(utf8);
    }

    /// <summary>
    /// The plan document as it arrived: at most <see cref="PlanLimits.MaxDocumentBytes"/> of UTF-8 (a leading byte
    /// order mark is skipped), one JSON object nested at most <see cref="PlanLimits.MaxDepth"/> deep.
    /// </summary>
    public static RunPlan Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Length > PlanLimits.MaxDocumentBytes)
        {
            throw new PlanValidationException(DocumentField, TooLargeReason);
        }

        var bytes = utf8Json.Span.StartsWith(Encoding.UTF8.Preamble) ? utf8Json[Encoding.UTF8.Preamble.Length..] : utf8Json;
        if (!Utf8.IsValid(bytes.Span))
        {
            throw new PlanValidationException(DocumentField, $"not valid UTF-8 (first bad byte at offset {FirstInvalidByte(bytes.Span)})");
        }

        if (bytes.Span.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            throw new PlanValidationException(DocumentField, "the plan is empty; send a JSON object (see examples/demo-plan.json)");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = PlanLimits.MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new PlanValidationException(DocumentField, $"not valid JSON ({ex.Message})");
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    /// <summary>Why a document past <see cref="PlanLimits.MaxDocumentBytes"/> is refused, in the words every transport uses.</summary>
    public static string TooLargeReason => $"larger than the limit of {PlanLimits.MaxDocumentBytes} bytes";

    public static RunPlan Parse(JsonElement root)
    {
        var run = new PlanObjectReader(root, DocumentField, RunFields);
        var runId = run.OptionalId("run_id");
        var goal = run.OptionalProse("goal", PlanLimits.MaxGoalLength) ?? throw new PlanValidationException("goal", "is required");
        var tokenCap = run.OptionalCap("token_cap");
        var tierElements = run.RequiredArray("tiers", PlanLimits.MaxPhases);
        var workspace = run.OptionalObject("workspace") is { } w ? ReadWorkspace(new PlanObjectReader(w, run.PathOf("workspace"), WorkspaceFields)) : null;

        var tiers = new List<TierPlan>();
        var seenPhaseIds = new HashSet<string>(StringComparer.Ordinal);
        var phaseCount = 0;
        for (var t = 0; t < tierElements.Count; t++)
        {
            var tierPath = $"tiers[{t}]";
            var tier = new PlanObjectReader(tierElements[t], tierPath, TierFields);
            var name = tier.RequiredLine("name", PlanLimits.MaxNameLength);
            var phaseElements = tier.RequiredArray("phases", int.MaxValue);
            var phases = new List<PhasePlan>();
            for (var p = 0; p < phaseElements.Count; p++)
            {
                if (++phaseCount > PlanLimits.MaxPhases)
                {
                    throw new PlanValidationException("tiers", $"a plan has at most {PlanLimits.MaxPhases} phases");
                }

                var phase = ReadPhase(new PlanObjectReader(phaseElements[p], $"{tierPath}.phases[{p}]", PhaseFields));
                if (phase.PhaseId is { } id && !seenPhaseIds.Add(id))
                {
                    throw new PlanValidationException($"{tierPath}.phases[{p}].phase_id", $"duplicate phase_id '{id}'");
                }

                phases.Add(phase);
            }

            tiers.Add(new TierPlan(name, phases));
        }

        return new RunPlan(runId, goal, tokenCap, tiers) { Workspace = workspace };
    }

    private static WorkspacePlan ReadWorkspace(PlanObjectReader workspace) =>
        new(workspace.OptionalLine("repository", PlanLimits.MaxPathLength), workspace.OptionalLine("base", PlanLimits.MaxPathLength));

    private static PhasePlan ReadPhase(PlanObjectReader phase)
    {
        var maxAttempts = phase.OptionalInt("max_attempts", 1, 20) ?? DefaultMaxAttempts;
        var provider = phase.OptionalLine("provider", PlanLimits.MaxNameLength) ?? "offline";
        if (!Providers.Contains(provider, StringComparer.Ordinal))
        {
            throw new PlanValidationException(phase.PathOf("provider"), $"must be one of {string.Join(", ", Providers)}");
        }

        var complexity = phase.OptionalLine("complexity", PlanLimits.MaxNameLength);
        if (complexity is not null && !Complexities.Contains(complexity, StringComparer.Ordinal))
        {
            throw new PlanValidationException(phase.PathOf("complexity"), $"must be one of {string.Join(", ", Complexities)}");
        }

        var phaseName = phase.RequiredLine("phase_name", PlanLimits.MaxNameLength);
        return new PhasePlan(
            PhaseId: phase.OptionalId("phase_id"),
            PhaseName: phaseName,
            Goal: phase.OptionalProse("goal", PlanLimits.MaxGoalLength) ?? phaseName,
            Category: phase.OptionalLine("category", PlanLimits.MaxNameLength),
            Complexity: complexity,
            MaxAttempts: maxAttempts,
            TokenCap: phase.OptionalCap("token_cap"),
            Provider: provider,
            Verify: phase.OptionalProse("verify", PlanLimits.MaxCommandLength),
            VerifyTimeoutSeconds: phase.OptionalInt("verify_timeout_seconds", 1, 86_400),
            OfflineRejections: phase.OptionalInt("offline_rejections", 0, 100) ?? 0)
        {
            Scope = ReadScope(phase),
            MaxTurns = phase.OptionalInt("max_turns", 1, PlanLimits.MaxTurns) ?? PhasePlan.DefaultMaxTurns,
            OfflineEdits = ReadOfflineEdits(phase),
        };
    }

    /// <summary>Globs relative to the worktree: an absolute one or one with a <c>..</c> segment could never match safely.</summary>
    private static IReadOnlyList<string>? ReadScope(PlanObjectReader phase)
    {
        var globs = phase.OptionalArray("scope", PlanLimits.MaxScopeGlobs);
        if (globs is null)
        {
            return null;
        }

        var scope = new List<string>();
        for (var i = 0; i < globs.Count; i++)
        {
            var path = $"{phase.PathOf("scope")}[{i}]";
            var glob = PlanObjectReader.LineAt(globs[i], path, PlanLimits.MaxPathLength);
            if (glob.StartsWith('/') || glob.Split('/', '\\').Contains(".."))
            {
                throw new PlanValidationException(path, "must be relative to the workspace, without '..'");
            }

            scope.Add(glob);
        }

        return scope;
    }

    private static IReadOnlyList<OfflineEdit> ReadOfflineEdits(PlanObjectReader phase)
    {
        var items = phase.OptionalArray("offline_edits", PlanLimits.MaxOfflineEdits);
        if (items is null)
        {
            return [];
        }

        var edits = new List<OfflineEdit>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{phase.PathOf("offline_edits")}[{i}]";
            var edit = new PlanObjectReader(items[i], path, OfflineEditFields);
            var file = edit.RequiredLine("path", PlanLimits.MaxPathLength);
            var content = edit.OptionalContent("content");
            var old = edit.OptionalContent("old");
            var replacement = edit.OptionalContent("new");
            if (content is not null && (old is not null || replacement is not null))
            {
                throw new PlanValidationException(path, "has either content (write_file) or old and new (replace_in_file), not both");
            }

            if (content is null && (old is null || replacement is null))
            {
                throw new PlanValidationException(path, "needs content (write_file) or old and new (replace_in_file)");
            }

            if (old is { Length: 0 })
            {
                throw new PlanValidationException(edit.PathOf("old"), "must not be empty");
            }

            edits.Add(new OfflineEdit(file, content, old, replacement));
        }

        return edits;
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        Utf8.ToUtf16(bytes, chars, out var read, out _, replaceInvalidSequences: false);
        return read;
    }
}
