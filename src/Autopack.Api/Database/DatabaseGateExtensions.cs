using Autopack.Api.Errors;

namespace Autopack.Api.Database;

/// <summary>Puts the <see cref="DatabaseGate"/> in front of a group of endpoints.</summary>
public static class DatabaseGateExtensions
{
    public static RouteGroupBuilder RequireMigratedDatabase(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var gate = context.HttpContext.RequestServices.GetRequiredService<DatabaseGate>();
            var problem = await gate.ProblemAsync(context.HttpContext.RequestAborted).ConfigureAwait(false);
            return problem is null
                ? await next(context).ConfigureAwait(false)
                : ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "Database not ready", problem);
        });
        group.ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
