using System.Text.Json.Serialization;

namespace Autopack.Domain.Plans;

/// <summary>
/// How a plan is read from JSON (source-generated, so a process pays no reflection for it): snake_case names,
/// a field the plan types lack refused, a field given twice refused, <c>required</c> members and constructor
/// parameters without a default required, objects and arrays nested at most <see cref="PlanLimits.MaxDepth"/> deep.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectRequiredConstructorParameters = true,
    MaxDepth = PlanLimits.MaxDepth)]
[JsonSerializable(typeof(RunPlan))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
