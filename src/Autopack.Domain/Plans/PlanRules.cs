namespace Autopack.Domain.Plans;

/// <summary>
/// What a plan's values may be, once System.Text.Json has read its fields: required values present, strings
/// within <see cref="PlanLimits"/> and free of control characters where a line is expected, ids in the safe
/// alphabet, numbers in range, known providers and complexities, relative scopes, one kind of change per offline
/// edit, an external builder only on a provider with an HTTP API, model names, phase ids unique across the plan. Each refusal is a <see cref="PlanValidationException"/> naming the
/// field's path (<c>tiers[0].phases[1].goal</c>).
/// </summary>
public static class PlanRules
{
    public static IReadOnlyList<string> Complexities { get; } = ["low", "medium", "high"];

    /// <exception cref="PlanValidationException">a value the plan may not hold.</exception>
    public static void Check(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Id(plan.RunId, "run_id");
        Prose(Required(plan.Goal, "goal"), "goal", PlanLimits.MaxGoalLength);
        Cap(plan.TokenCap, "token_cap");
        var tiers = Items(Required(plan.Tiers, "tiers"), "tiers", PlanLimits.MaxPhases);
        if (tiers.Count == 0)
        {
            throw new PlanValidationException("tiers", "must not be empty");
        }

        if (plan.Workspace is { } workspace)
        {
            Line(workspace.Repository, "workspace.repository", PlanLimits.MaxPathLength);
            Line(workspace.Base, "workspace.base", PlanLimits.MaxPathLength);
        }

        var phaseIds = new HashSet<string>(StringComparer.Ordinal);
        var phaseCount = 0;
        for (var t = 0; t < tiers.Count; t++)
        {
            var path = $"tiers[{t}]";
            var tier = Present(tiers[t], path);
            Line(Required(tier.Name, $"{path}.name"), $"{path}.name", PlanLimits.MaxNameLength);
            var phases = Required(tier.Phases, $"{path}.phases");
            if (phases.Count == 0)
            {
                throw new PlanValidationException($"{path}.phases", "must not be empty");
            }

            for (var p = 0; p < phases.Count; p++)
            {
                if (++phaseCount > PlanLimits.MaxPhases)
                {
                    throw new PlanValidationException("tiers", $"a plan has at most {PlanLimits.MaxPhases} phases");
                }

                var phasePath = $"{path}.phases[{p}]";
                var phase = Present(phases[p], phasePath);
                CheckPhase(phase, phasePath);
                if (phase.PhaseId is { } id && !phaseIds.Add(id))
                {
                    throw new PlanValidationException($"{phasePath}.phase_id", $"duplicate phase_id '{id}'");
                }
            }
        }
    }

    private static void CheckPhase(PhasePlan phase, string path)
    {
        Range(phase.MaxAttempts, $"{path}.max_attempts", 1, 20);
        var provider = Line(phase.Provider, $"{path}.provider", PlanLimits.MaxNameLength);
        OneOf(provider, $"{path}.provider", ProviderNames.All);
        OneOf(Line(phase.Complexity, $"{path}.complexity", PlanLimits.MaxNameLength), $"{path}.complexity", Complexities);
        Line(Required(phase.PhaseName, $"{path}.phase_name"), $"{path}.phase_name", PlanLimits.MaxNameLength);
        Id(phase.PhaseId, $"{path}.phase_id");
        Prose(phase.Goal, $"{path}.goal", PlanLimits.MaxGoalLength);
        Line(phase.Category, $"{path}.category", PlanLimits.MaxNameLength);
        Cap(phase.TokenCap, $"{path}.token_cap");
        Prose(phase.Verify, $"{path}.verify", PlanLimits.MaxCommandLength);
        Range(phase.VerifyTimeoutSeconds, $"{path}.verify_timeout_seconds", 1, 86_400);
        Range(phase.OfflineRejections, $"{path}.offline_rejections", 0, 100);
        CheckScope(phase.Scope, $"{path}.scope");
        Range(phase.MaxTurns, $"{path}.max_turns", 1, PlanLimits.MaxTurns);
        CheckOfflineEdits(phase.OfflineEdits, $"{path}.offline_edits");
        CheckBuilder(phase.Builder, phase.Provider, $"{path}.builder");
        CheckModels(phase.Models, $"{path}.models");
    }

    /// <summary>
    /// An external builder's command and timeout; it talks to the phase's provider through the metered endpoint,
    /// which relays HTTP APIs only, so the offline model (no HTTP API) cannot serve one.
    /// </summary>
    private static void CheckBuilder(BuilderPlan? builder, string provider, string path)
    {
        if (builder is null)
        {
            return;
        }

        Prose(Required(builder.Command, $"{path}.command"), $"{path}.command", PlanLimits.MaxCommandLength);
        Range(builder.TimeoutSeconds, $"{path}.timeout_seconds", 1, BuilderPlan.MaxTimeoutSeconds);
        if (provider == ProviderNames.Offline)
        {
            throw new PlanValidationException(
                path,
                $"an external builder needs the phase's provider to be {ProviderNames.OpenAi} or {ProviderNames.Anthropic}: it calls the model " +
                $"through Autopack's metered endpoint, and the {ProviderNames.Offline} provider (the default) has no HTTP API to relay");
        }
    }

    /// <summary>Model names, one per attempt: a non-empty list of names on one line.</summary>
    private static void CheckModels(IReadOnlyList<string>? models, string path)
    {
        if (models is null)
        {
            return;
        }

        if (Items(models, path, PlanLimits.MaxModels).Count == 0)
        {
            throw new PlanValidationException(path, "must not be empty (leave it out for the provider's configured model)");
        }

        for (var i = 0; i < models.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            Line(models[i] ?? throw new PlanValidationException(itemPath, "must be a string, not null"), itemPath, PlanLimits.MaxNameLength);
        }
    }

    /// <summary>Globs relative to the worktree: an absolute one or one with a <c>..</c> segment could never match safely.</summary>
    private static void CheckScope(IReadOnlyList<string>? scope, string path)
    {
        if (scope is null)
        {
            return;
        }

        Items(scope, path, PlanLimits.MaxScopeGlobs);
        for (var i = 0; i < scope.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var glob = Line(scope[i] ?? throw new PlanValidationException(itemPath, "must be a string, not null"), itemPath, PlanLimits.MaxPathLength)!;
            if (glob.StartsWith('/') || glob.Split('/', '\\').Contains(".."))
            {
                throw new PlanValidationException(itemPath, "must be relative to the workspace, without '..'");
            }
        }
    }

    private static void CheckOfflineEdits(IReadOnlyList<OfflineEdit> edits, string path)
    {
        Items(edits, path, PlanLimits.MaxOfflineEdits);
        for (var i = 0; i < edits.Count; i++)
        {
            var editPath = $"{path}[{i}]";
            var edit = Present(edits[i], editPath);
            Line(Required(edit.Path, $"{editPath}.path"), $"{editPath}.path", PlanLimits.MaxPathLength);
            if (edit.Content is not null && (edit.Old is not null || edit.New is not null))
            {
                throw new PlanValidationException(editPath, "has either content (write_file) or old and new (replace_in_file), not both");
            }

            if (edit.Content is null && (edit.Old is null || edit.New is null))
            {
                throw new PlanValidationException(editPath, "needs content (write_file) or old and new (replace_in_file)");
            }

            if (edit.Old is { Length: 0 })
            {
                throw new PlanValidationException($"{editPath}.old", "must not be empty");
            }
        }
    }

    private static T Required<T>(T? value, string path)
        where T : class =>
        value ?? throw new PlanValidationException(path, "is required");

    private static T Present<T>(T? value, string path)
        where T : class =>
        value ?? throw new PlanValidationException(path, "must be an object, not null");

    private static IReadOnlyList<T> Items<T>(IReadOnlyList<T> items, string path, int maxItems) =>
        items.Count <= maxItems ? items : throw new PlanValidationException(path, $"has at most {maxItems} items, got {items.Count}");

    private static void Id(string? id, string path)
    {
        if (Line(id, path, Identifiers.MaxLength + 1) is { } text && !Identifiers.IsSafe(text))
        {
            throw new PlanValidationException(
                path,
                $"must be 1-{Identifiers.MaxLength} characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /// <summary>A non-blank string on one line: a name, a path, a ref. No control characters (NUL, newline, escape).</summary>
    private static string? Line(string? text, string path, int maxLength) => Text(text, path, maxLength, multiline: false);

    /// <summary>A non-blank string that may span lines (a goal, a command): tabs and newlines, no other control characters.</summary>
    private static string? Prose(string? text, string path, int maxLength) => Text(text, path, maxLength, multiline: true);

    private static string? Text(string? text, string path, int maxLength, bool multiline)
    {
        if (text is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PlanValidationException(path, "must not be empty");
        }

        if (text.Length > maxLength)
        {
            throw new PlanValidationException(path, $"is longer than {maxLength} characters ({text.Length})");
        }

        var bad = PlanText.IndexOfControl(text, multiline);
        return bad < 0
            ? text
            : throw new PlanValidationException(path, $"must not contain the control character U+{(int)text[bad]:X4} (at character {bad})");
    }

    private static void OneOf(string? value, string path, IReadOnlyList<string> allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            throw new PlanValidationException(path, $"must be one of {string.Join(", ", allowed)}");
        }
    }

    private static void Cap(long? cap, string path)
    {
        if (cap is <= 0)
        {
            throw new PlanValidationException(path, $"must be positive, got {cap}");
        }
    }

    private static void Range(int? number, string path, int min, int max)
    {
        if (number is { } n && (n < min || n > max))
        {
            throw new PlanValidationException(path, $"must be between {min} and {max}, got {n}");
        }
    }
}
