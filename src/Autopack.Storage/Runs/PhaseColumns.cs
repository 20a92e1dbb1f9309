using System.Text.Json;
using System.Text.Json.Serialization;
using Autopack.Domain.Plans;
using Autopack.Storage.Entities;

namespace Autopack.Storage.Runs;

/// <summary>
/// The plan's list fields of a phase (<c>scope</c>, <c>offline_edits</c>, <c>models</c>) are kept as JSON text in
/// their columns, in the plan's own snake_case shape, so an operator reading them with sqlite3 sees what was submitted.
/// </summary>
public static class PhaseColumns
{
    public static string? ScopeJson(IReadOnlyList<string>? scope) => scope is null ? null : JsonSerializer.Serialize([.. scope], PhaseColumnsJson.Default.ListString);

    public static string? OfflineEditsJson(IReadOnlyList<OfflineEdit> edits) =>
        edits.Count == 0 ? null : JsonSerializer.Serialize(edits.Select(e => new StoredEdit(e.Path, e.Content, e.Old, e.New)).ToList(), PhaseColumnsJson.Default.ListStoredEdit);

    public static string? ModelsJson(IReadOnlyList<string>? models) => models is null ? null : JsonSerializer.Serialize([.. models], PhaseColumnsJson.Default.ListString);

    /// <summary>The phase's <c>models</c>; null when the plan gave none (every attempt on the provider's configured model).</summary>
    public static IReadOnlyList<string>? Models(this PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.Models is null ? null : JsonSerializer.Deserialize(phase.Models, PhaseColumnsJson.Default.ListString);
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
        return phase.Scope is null ? null : JsonSerializer.Deserialize(phase.Scope, PhaseColumnsJson.Default.ListString);
    }

    public static IReadOnlyList<OfflineEdit> OfflineEdits(this PhaseRow phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.OfflineEdits is null
            ? []
            : JsonSerializer.Deserialize(phase.OfflineEdits, PhaseColumnsJson.Default.ListStoredEdit)!.Select(e => new OfflineEdit(e.Path, e.Content, e.Old, e.New)).ToList();
    }

    internal sealed record StoredEdit(string Path, string? Content, string? Old, string? New);
}

/// <summary>
/// The columns' JSON, generated at build time (no reflection at run time, so a Native AOT executor reads them too):
/// snake_case, nulls left out.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<PhaseColumns.StoredEdit>))]
internal sealed partial class PhaseColumnsJson : JsonSerializerContext;
