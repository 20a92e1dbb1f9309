using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Api.Runs;
using Autopack.Domain.Runs;
using Autopack.Storage.Runs;
using Autopack.Storage.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autopack.Api.Phases;

/// <summary>/phases: force a phase to time out now, by writing <c>.force_timeout</c>.</summary>
public static class PhasesApi
{
    public static RouteGroupBuilder MapPhasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/phases").WithTags("Phases").RequireMigratedDatabase();
        group.MapPost("/{phase_id}/timeout", TimeoutPhase).WithName("TimeoutPhase")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    public static async Task<Results<Accepted<ControlAccepted>, ProblemHttpResult>> TimeoutPhase(
        [FromRoute(Name = "phase_id")] string phaseId, RunStore store, RuntimeFolder runtime, CancellationToken cancellationToken)
    {
        var phase = await store.FindPhaseAsync(phaseId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("phase", phaseId);
        if (PhaseTransitions.IsTerminal(phase.Status))
        {
            return ApiProblems.Create(
                StatusCodes.Status409Conflict, "Phase already ended", $"phase {phaseId} already ended ({phase.Status.ToName()})", "phase_id");
        }

        return RunsApi.AcceptControl(runtime, new ControlCommand(ControlKind.Timeout, phase.PhaseId), $"/runs/{Uri.EscapeDataString(phase.RunId)}/phases");
    }
}
