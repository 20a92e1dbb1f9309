using System.Text.Json;
using Autopack.Domain.Plans;
using Autopack.Storage.Entities;

namespace Autopack.Storage.Runs;

/// <summary>
/// The plan's list fields of a phase (<c>scope</c>, <c>offline_edits</c>, <c>models</c>) are kept as JSON text in
/// their columns, in the plan's own snake_case shape, so an operator reading them with sqlite3 sees what was submitted.
/// </summary>
public static class PhaseColumns
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? ScopeJson(IReadOnlyList<string>? scope) => scope is null ? null : JsonSerializer.Serialize(scope, Options);

    public static string? OfflineEditsJson(IReadOnlyList<OfflineEdit> edits) =>
        edits.Count == 0 ? null : JsonSerializer.Serialize(edits.Select(e => new StoredEdit(e.Path, e.Content, e.Old, e.New)), Options);

    public static string? ModelsJson(IReadOnlyList<string>? models) => models is null ? null : JsonSerializer.Serialize(models, Options);

    /// <summary>The phase's <c>models</c>; null when the plan gave none (every attempt on the provider's configured model).</summary>
    public static IReadOnlyList<string>? Models(this PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.Models is null ? null : JsonSerializer.Deserialize<List<string>>(phase.Models, Options);
    }

    /// <summary>The model attempt <paramref name="attempt"/> uses (the plan's rule, <see cref="PhasePlan.ModelFor"/>); null: the provider's own.</summary>
    public static string? ModelFor(this PhaseRow phase, int attempt) => PhasePlan.ModelFor(phase.Models(), attempt);

    /// <summary>The phase's external builder as the plan gave it; null for the built-in agent loop.</summary>
    public static BuilderPlan? Builder(this PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.BuilderCommand is null ? null : new BuilderPlan(phase.BuilderCommand, phase.BuilderTimeoutSeconds);
    }

    public static IReadOnlyList<string>? Scope(this PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.Scope is null ? null : JsonSerializer.Deserialize<List<string>>(phase.Scope, Options);
    }

    public static IReadOnlyList<OfflineEdit> OfflineEdits(this PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.OfflineEdits is null
            ? []
            : JsonSerializer.Deserialize<List<StoredEdit>>(phase.OfflineEdits, Options)!.Select(e => new OfflineEdit(e.Path, e.Content, e.Old, e.New)).ToList();
    }

    private sealed record StoredEdit(string Path, string? Content, string? Old, string? New);
}
