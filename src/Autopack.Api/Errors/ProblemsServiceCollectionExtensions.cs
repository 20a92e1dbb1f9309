using System.Diagnostics;

namespace Autopack.Api.Errors;

/// <summary>Problem details for every error: exceptions, empty 4xx/5xx answers, and failed parameter binding.</summary>
public static class ProblemsServiceCollectionExtensions
{
    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Instance ??= context.HttpContext.Request.Path.Value;
            problem.Detail ??= DefaultDetail(context.HttpContext.Request, problem.Status);

            // The API's JSON is snake_case; the framework's camelCase trace id is renamed to match.
            problem.Extensions.Remove("traceId");
            problem.Extensions["trace_id"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ApiExceptionHandler>();

        // Failed binding (limit=abc) throws BadHttpRequestException naming the parameter, which the handler answers.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>What the framework's own empty answers (no route, wrong method, wrong content type) mean, in words.</summary>
    private static string? DefaultDetail(HttpRequest request, int? status) => status switch
    {
        StatusCodes.Status404NotFound => $"no endpoint at {request.Path.Value} (see /openapi/v1.json)",
        StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path.Value}",
        StatusCodes.Status415UnsupportedMediaType => $"Content-Type: must be application/json, got '{request.ContentType ?? "none"}'",
        StatusCodes.Status400BadRequest => "the request is malformed",
        _ => null,
    };
}
