using System.Text.Json.Nodes;
using Autopack.Domain.Plans;

namespace Autopack.Testing;

/// <summary>A <see cref="RunPlan"/> (e.g. from <see cref="PlanBuilder"/>) as the JSON document POST /runs and runs create take.</summary>
public static class PlanJson
{
    public static JsonObject ToNode(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var run = new JsonObject { ["goal"] = plan.Goal };
        Add(run, "run_id", plan.RunId);
        Add(run, "token_cap", plan.TokenCap);
        if (plan.Workspace is { } workspace)
        {
            var node = new JsonObject();
            Add(node, "repository", workspace.Repository);
            Add(node, "base", workspace.Base);
            run["workspace"] = node;
        }

        run["tiers"] = new JsonArray([.. plan.Tiers.Select(t => new JsonObject { ["name"] = t.Name, ["phases"] = new JsonArray([.. t.Phases.Select(Phase)]) })]);
        return run;
    }

    public static string Write(RunPlan plan) => ToNode(plan).ToJsonString();

    private static JsonObject Phase(PhasePlan phase)
    {
        var node = new JsonObject { ["phase_name"] = phase.PhaseName, ["goal"] = phase.Goal, ["max_attempts"] = phase.MaxAttempts, ["provider"] = phase.Provider };
        Add(node, "phase_id", phase.PhaseId);
        Add(node, "category", phase.Category);
        Add(node, "complexity", phase.Complexity);
        Add(node, "token_cap", phase.TokenCap);
        Add(node, "verify", phase.Verify);
        Add(node, "verify_timeout_seconds", phase.VerifyTimeoutSeconds);
        node["max_turns"] = phase.MaxTurns;
        if (phase.Scope is { } scope)
        {
            node["scope"] = new JsonArray([.. scope.Select(g => (JsonNode)g)]);
        }

        if (phase.Builder is { } builder)
        {
            var external = new JsonObject { ["command"] = builder.Command };
            Add(external, "timeout_seconds", builder.TimeoutSeconds);
            node["builder"] = external;
        }

        if (phase.Models is { } models)
        {
            node["models"] = new JsonArray([.. models.Select(m => (JsonNode)m)]);
        }

        if (phase.OfflineEdits.Count > 0)
        {
            node["offline_edits"] = new JsonArray([.. phase.OfflineEdits.Select(Edit)]);
        }

        return node;
    }

    private static JsonObject Edit(OfflineEdit edit)
    {
        var node = new JsonObject { ["path"] = edit.Path };
        Add(node, "content", edit.Content);
        Add(node, "old", edit.Old);
        Add(node, "new", edit.New);
        return node;
    }

    private static void Add<T>(JsonObject node, string name, T? value)
    {
        if (value is not null)
        {
            node[name] = JsonValue.Create(value);
        }
    }
}
