using Microsoft.AspNetCore.Http.HttpResults;

namespace Autopack.Api.Errors;

/// <summary>Problem answers built by handlers (as opposed to thrown); with a field, it is named in <c>errors</c> and in <c>detail</c>.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult Create(int status, string title, string detail, string? field = null)
    {
        if (field is null)
        {
            return TypedResults.Problem(statusCode: status, title: title, detail: detail);
        }

        var problem = ApiExceptionHandler.Invalid(status, title, $"{field}: {detail}", field, detail);
        return TypedResults.Problem(problem);
    }

    /// <summary>A 400 for bad query parameters: each named in <c>errors</c>, and all of them in <c>detail</c>.</summary>
    public static ValidationProblem InvalidQuery(Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return TypedResults.ValidationProblem(errors, detail: string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value[0]}")), title: "Invalid query");
    }
}
