using System.Text.Json;
using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Runs;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Autopack.Api.Errors;

/// <summary>
/// Turns every exception into an RFC 9457 problem details answer. Bad input names the field (in
/// <c>detail</c> and in <c>errors</c>); anything unforeseen is a 500 that says nothing of the internals and is
/// logged with its stack trace.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>nginx's "client closed request": the caller went away, nothing failed on our side.</summary>
    public const int ClientClosedRequest = 499;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            httpContext.Response.StatusCode = ClientClosedRequest;
            return true;
        }

        var problem = Describe(exception);
        var status = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (status >= StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "{Method} {Path} failed with {Status}", httpContext.Request.Method, httpContext.Request.Path.Value, status);
        }
        else
        {
            logger.LogInformation("{Method} {Path} refused with {Status}: {Detail}", httpContext.Request.Method, httpContext.Request.Path.Value, status, problem.Detail);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception })
            .ConfigureAwait(false);
    }

    public static ProblemDetails Describe(Exception exception) => exception switch
    {
        PlanValidationException plan => Invalid(StatusCodes.Status400BadRequest, "Invalid plan", plan.Message, plan.Field, plan.Reason),
        DuplicateIdException duplicate => Invalid(StatusCodes.Status409Conflict, "Duplicate id", duplicate.Message, duplicate.Field, $"'{duplicate.Id}' already exists"),
        NotFoundException notFound => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = notFound.Message },
        IllegalTransitionException illegal => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = illegal.Message },
        BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = TitleOf(bad.StatusCode), Detail = bad.Message },
        JsonException json => new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "Invalid JSON", Detail = $"body: {json.Message}" },
        System.Data.Common.DbException database => new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Database unavailable",
            Detail = $"database: {database.Message}",
        },
        _ => new ProblemDetails
        {
            Status = StatusCodes.Status500InternalServerError,
            Title = "Internal server error",
            Detail = "An unexpected error occurred; the server log has the details (search it for the trace_id).",
        },
    };

    public static HttpValidationProblemDetails Invalid(int status, string title, string detail, string field, string reason) =>
        new(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [reason] })
        {
            Status = status,
            Title = title,
            Detail = detail,
        };

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status408RequestTimeout => "Request timeout",
        _ => "Bad request",
    };
}
