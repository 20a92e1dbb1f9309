using System.Text.Json;

namespace Autopack.Domain.Plans;

/// <summary>
/// Reads a plan from JSON, strictly: unknown fields, wrong types, missing required fields, negative caps and
/// duplicate ids are refused with a <see cref="PlanValidationException"/> naming the field.
/// </summary>
public static class PlanParser
{
    public const int MaxPhases = 1000;
    public const int DefaultMaxAttempts = 3;
    public const int MaxTurnsLimit = 200;
    public const int MaxOfflineEdits = 200;
    public const int MaxScopeGlobs = 64;

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

    public static RunPlan Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new PlanValidationException("$", $"not valid JSON ({ex.Message})");
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    public static RunPlan Parse(JsonElement root)
    {
        var run = new ObjectReader(root, "$", RunFields);
        var runId = run.OptionalId("run_id");
        var goal = run.RequiredString("goal");
        var tokenCap = run.OptionalCap("token_cap");
        var tierElements = run.RequiredArray("tiers");
        var workspace = run.OptionalObject("workspace") is { } w ? ReadWorkspace(new ObjectReader(w, run.PathOf("workspace"), WorkspaceFields)) : null;

        var tiers = new List<TierPlan>();
        var seenPhaseIds = new HashSet<string>(StringComparer.Ordinal);
        var phaseCount = 0;
        for (var t = 0; t < tierElements.Count; t++)
        {
            var tierPath = $"tiers[{t}]";
            var tier = new ObjectReader(tierElements[t], tierPath, TierFields);
            var name = tier.RequiredString("name");
            var phaseElements = tier.RequiredArray("phases");
            var phases = new List<PhasePlan>();
            for (var p = 0; p < phaseElements.Count; p++)
            {
                if (++phaseCount > MaxPhases)
                {
                    throw new PlanValidationException("tiers", $"a plan has at most {MaxPhases} phases");
                }

                var phase = ReadPhase(new ObjectReader(phaseElements[p], $"{tierPath}.phases[{p}]", PhaseFields));
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

    private static WorkspacePlan ReadWorkspace(ObjectReader workspace) =>
        new(workspace.OptionalString("repository"), workspace.OptionalString("base"));

    private static PhasePlan ReadPhase(ObjectReader phase)
    {
        var maxAttempts = phase.OptionalInt("max_attempts", 1, 20) ?? DefaultMaxAttempts;
        var provider = phase.OptionalString("provider") ?? "offline";
        if (!Providers.Contains(provider, StringComparer.Ordinal))
        {
            throw new PlanValidationException(phase.PathOf("provider"), $"must be one of {string.Join(", ", Providers)}");
        }

        var complexity = phase.OptionalString("complexity");
        if (complexity is not null && !Complexities.Contains(complexity, StringComparer.Ordinal))
        {
            throw new PlanValidationException(phase.PathOf("complexity"), $"must be one of {string.Join(", ", Complexities)}");
        }

        return new PhasePlan(
            PhaseId: phase.OptionalId("phase_id"),
            PhaseName: phase.RequiredString("phase_name"),
            Goal: phase.OptionalString("goal") ?? phase.RequiredString("phase_name"),
            Category: phase.OptionalString("category"),
            Complexity: complexity,
            MaxAttempts: maxAttempts,
            TokenCap: phase.OptionalCap("token_cap"),
            Provider: provider,
            Verify: phase.OptionalString("verify"),
            VerifyTimeoutSeconds: phase.OptionalInt("verify_timeout_seconds", 1, 86_400),
            OfflineRejections: phase.OptionalInt("offline_rejections", 0, 100) ?? 0)
        {
            Scope = ReadScope(phase),
            MaxTurns = phase.OptionalInt("max_turns", 1, MaxTurnsLimit) ?? PhasePlan.DefaultMaxTurns,
            OfflineEdits = ReadOfflineEdits(phase),
        };
    }

    /// <summary>Globs relative to the worktree: an absolute one or one with a <c>..</c> segment could never match safely.</summary>
    private static IReadOnlyList<string>? ReadScope(ObjectReader phase)
    {
        var globs = phase.OptionalArray("scope", MaxScopeGlobs);
        if (globs is null)
        {
            return null;
        }

        var scope = new List<string>();
        for (var i = 0; i < globs.Count; i++)
        {
            var path = $"{phase.PathOf("scope")}[{i}]";
            if (globs[i].ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(globs[i].GetString()))
            {
                throw new PlanValidationException(path, "must be a non-empty string (a glob such as src/**)");
            }

            var glob = globs[i].GetString()!;
            if (glob.StartsWith('/') || glob.Split('/', '\\').Contains(".."))
            {
                throw new PlanValidationException(path, "must be relative to the workspace, without '..'");
            }

            scope.Add(glob);
        }

        return scope;
    }

    private static IReadOnlyList<OfflineEdit> ReadOfflineEdits(ObjectReader phase)
    {
        var items = phase.OptionalArray("offline_edits", MaxOfflineEdits);
        if (items is null)
        {
            return [];
        }

        var edits = new List<OfflineEdit>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{phase.PathOf("offline_edits")}[{i}]";
            var edit = new ObjectReader(items[i], path, OfflineEditFields);
            var file = edit.RequiredString("path");
            var content = edit.OptionalText("content");
            var old = edit.OptionalText("old");
            var replacement = edit.OptionalText("new");
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

    private sealed class ObjectReader
    {
        private readonly JsonElement element;
        private readonly string path;

        public ObjectReader(JsonElement element, string path, HashSet<string> knownFields)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new PlanValidationException(path, $"must be an object, not {Describe(element)}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                if (!knownFields.Contains(property.Name))
                {
                    throw new PlanValidationException(PathOf(path, property.Name), "unknown field");
                }

                // JSON allows a key twice and readers keep one of the values; a plan must not be ambiguous.
                if (!seen.Add(property.Name))
                {
                    throw new PlanValidationException(PathOf(path, property.Name), "given more than once");
                }
            }

            this.element = element;
            this.path = path;
        }

        public string PathOf(string name) => PathOf(path, name);

        public string RequiredString(string name) =>
            OptionalString(name) ?? throw new PlanValidationException(PathOf(name), "is required");

        public string? OptionalString(string name)
        {
            if (!TryGet(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw new PlanValidationException(PathOf(name), $"must be a string, not {Describe(value)}");
            }

            var text = value.GetString()!;
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new PlanValidationException(PathOf(name), "must not be empty");
            }

            return text;
        }

        public string? OptionalId(string name)
        {
            var id = OptionalString(name);
            if (id is not null && !Identifiers.IsSafe(id))
            {
                throw new PlanValidationException(
                    PathOf(name),
                    $"must be 1-{Identifiers.MaxLength} characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
            }

            return id;
        }

        /// <summary>A string that may be empty or whitespace (file content), unlike <see cref="OptionalString"/>.</summary>
        public string? OptionalText(string name)
        {
            if (!TryGet(name, out var value))
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new PlanValidationException(PathOf(name), $"must be a string, not {Describe(value)}");
        }

        public JsonElement? OptionalObject(string name)
        {
            if (!TryGet(name, out var value))
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Object
                ? value
                : throw new PlanValidationException(PathOf(name), $"must be an object, not {Describe(value)}");
        }

        public IReadOnlyList<JsonElement>? OptionalArray(string name, int maxItems)
        {
            if (!TryGet(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new PlanValidationException(PathOf(name), $"must be an array, not {Describe(value)}");
            }

            var items = value.EnumerateArray().ToList();
            return items.Count <= maxItems
                ? items
                : throw new PlanValidationException(PathOf(name), $"has at most {maxItems} items, got {items.Count}");
        }

        public long? OptionalCap(string name)
        {
            if (!TryGet(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var cap))
            {
                throw new PlanValidationException(PathOf(name), $"must be a whole number, not {Describe(value)}");
            }

            if (cap <= 0)
            {
                throw new PlanValidationException(PathOf(name), $"must be positive, got {cap}");
            }

            return cap;
        }

        public int? OptionalInt(string name, int min, int max)
        {
            if (!TryGet(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            {
                throw new PlanValidationException(PathOf(name), $"must be a whole number, not {Describe(value)}");
            }

            if (number < min || number > max)
            {
                throw new PlanValidationException(PathOf(name), $"must be between {min} and {max}, got {number}");
            }

            return number;
        }

        public IReadOnlyList<JsonElement> RequiredArray(string name)
        {
            if (!TryGet(name, out var value))
            {
                throw new PlanValidationException(PathOf(name), "is required");
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new PlanValidationException(PathOf(name), $"must be an array, not {Describe(value)}");
            }

            var items = value.EnumerateArray().ToList();
            if (items.Count == 0)
            {
                throw new PlanValidationException(PathOf(name), "must not be empty");
            }

            return items;
        }

        private bool TryGet(string name, out JsonElement value) =>
            element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

        private static string PathOf(string parent, string name) => parent == "$" ? name : $"{parent}.{name}";

        private static string Describe(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
    }
}
