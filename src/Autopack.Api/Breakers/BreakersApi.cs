using Autopack.Api.Database;
using Autopack.Api.Errors;
using Autopack.Storage.Breakers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autopack.Api.Breakers;

/// <summary>
/// /circuit-breakers: the states the executors publish, and reset requests they pick up (the breakers live in the
/// executors, so a reset is a request, answered 202).
/// </summary>
public static class BreakersApi
{
    public static RouteGroupBuilder MapBreakersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty).WithTags("Circuit breakers").RequireMigratedDatabase();
        group.MapGet("/circuit-breakers", ListBreakers).WithName("ListCircuitBreakers").WithSummary("List the circuit breakers' states");
        group.MapPost("/circuit-breakers/reset", ResetBreakers).WithName("ResetCircuitBreakers").WithSummary("Ask the executors to reset one circuit breaker, or all")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    public static async Task<Ok<IReadOnlyList<BreakerView>>> ListBreakers(BreakerStates breakers, CancellationToken cancellationToken)
    {
        IReadOnlyList<BreakerView> views = (await breakers.ListAsync(cancellationToken).ConfigureAwait(false)).Select(BreakerView.From).ToList();
        return TypedResults.Ok(views);
    }

    /// <remarks>Resets the breaker named by <c>?name=</c>, or all of them without it.</remarks>
    public static async Task<Results<Accepted<BreakerResetAccepted>, ProblemHttpResult>> ResetBreakers(
        BreakerStates breakers, string? name, CancellationToken cancellationToken)
    {
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "Invalid query", "must not be empty; leave it out to reset every breaker", "name");
        }

        var known = (await breakers.ListAsync(cancellationToken).ConfigureAwait(false)).Select(b => b.Name).ToList();
        var targets = name is null ? known : known.Where(n => string.Equals(n, name, StringComparison.Ordinal)).ToList();
        if (name is not null && targets.Count == 0)
        {
            return ApiProblems.Create(
                StatusCodes.Status404NotFound,
                "Not found",
                $"no circuit breaker named '{name}' (known: {(known.Count == 0 ? "none yet" : string.Join(", ", known))})",
                "name");
        }

        var requested = await breakers.RequestResetAsync(name, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted("/circuit-breakers", new BreakerResetAccepted(requested, targets));
    }
}
