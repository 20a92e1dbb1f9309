using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Autopack.Api.Security;

/// <summary>
/// Declares the API key in the OpenAPI document as two schemes, the <c>X-API-Key</c> header and HTTP bearer, and
/// requires either of them on exactly the operations <see cref="ApiKeyMiddleware"/> checks
/// (<see cref="ApiKeyVerifier.IsMutating"/>); reads carry <c>security: []</c>, open to anyone.
/// </summary>
public sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer
{
    public const string HeaderScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    private const string WhenRequired = "Required on mutating requests when the server has AUTOPACK_API_KEY set; reads never need it.";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.AddComponent<IOpenApiSecurityScheme>(HeaderScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyVerifier.HeaderName,
            Description = $"The server's API key in the {ApiKeyVerifier.HeaderName} header. {WhenRequired}",
        });
        document.AddComponent<IOpenApiSecurityScheme>(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = $"The same key as Authorization: Bearer <key>. {WhenRequired}",
        });

        foreach (var path in document.Paths.Values)
        {
            foreach (var (method, operation) in path.Operations ?? [])
            {
                operation.Security = ApiKeyVerifier.IsMutating(method.Method)
                    ? [Requirement(HeaderScheme, document), Requirement(BearerScheme, document)]
                    : [];
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };
}
