using Autopack.Api.Security;
using Microsoft.OpenApi;

namespace Autopack.Api.OpenApi;

/// <summary>
/// The OpenAPI document at /openapi/v1.json, as clients need it: the API key declared where it is required, a
/// description per tag, and server URLs without a trailing slash (paths start with one). Summaries and 4xx answers
/// are declared on the endpoints themselves.
/// </summary>
public static class ApiDocumentServiceCollectionExtensions
{
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Runs"] = "Create runs from plans, read runs, their phases, usage and attempt files, and stop or abort them.",
        ["Phases"] = "Force a phase to time out.",
        ["Circuit breakers"] = "The provider circuit breakers the executors publish, and requests to reset them.",
        ["Health"] = "Liveness and readiness for operators and load balancers.",
        ["Queue"] = "The run queue the workers claim from: its state and heartbeat, dispatch, executing_limit, the DRAINING mode, requeueing a PAUSED run.",
        ["Dashboard"] = "The JSON the operator's dashboard page reads.",
    };

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<ApiKeySecurityTransformer>();
            options.AddDocumentTransformer((document, _, _) =>
            {
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
                {
                    tag.Description ??= tag.Name is { } name ? TagDescriptions.GetValueOrDefault(name) : null;
                }

                return Task.CompletedTask;
            });
        });
}
