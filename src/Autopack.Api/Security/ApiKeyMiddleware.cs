using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Autopack.Api.Security;

/// <summary>With <c>AUTOPACK_API_KEY</c> set, a mutating request without the right key gets 401 problem details; reads stay open.</summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyVerifier verifier, IProblemDetailsService problems, ILogger<ApiKeyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!verifier.KeyRequired || !ApiKeyVerifier.IsMutating(context.Request.Method) || verifier.Verify(ApiKeyVerifier.Presented(context.Request)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        logger.LogWarning("{Method} {Path} refused: missing or wrong API key", context.Request.Method, context.Request.Path.Value);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "API key required",
                Detail = $"{ApiKeyVerifier.HeaderName}: this server requires its API key on {context.Request.Method} requests (X-API-Key header or Authorization: Bearer)",
            },
        }).ConfigureAwait(false);
    }
}
