using Autopack.Api.Control;
using Autopack.Api.Database;
using Autopack.Api.Runs;
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
        group.MapPost("/{phase_id}/timeout", TimeoutPhase).WithName("TimeoutPhase").WithSummary("Force a phase to time out now")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    public static Task<Results<Accepted<ControlAccepted>, ProblemHttpResult>> TimeoutPhase(
        [FromRoute(Name = "phase_id")] string phaseId, ControlRequestSender sender, CancellationToken cancellationToken) =>
        RunsApi.RequestControlAsync(sender, new ControlCommand(ControlKind.Timeout, phaseId), cancellationToken);
}
