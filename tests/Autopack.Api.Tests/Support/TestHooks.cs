using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Autopack.Api.Tests.Support;

/// <summary>
/// What a test needs to reach that real traffic provides: a client address (<see cref="ClientIpHeader"/>,
/// the test server has none) and a request that fails unexpectedly (<see cref="ThrowPath"/>, answered by the
/// real exception handler behind the real pipeline).
/// </summary>
public sealed class TestHooks : IStartupFilter
{
    public const string ClientIpHeader = "X-Test-Client-Ip";
    public const string ThrowPath = "/test/throw";
    public const string SecretMessage = "secret internal detail";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(ClientIpHeader, out var ip))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(ip.ToString());
            }

            return nextMiddleware(context);
        });
        next(app);
        app.Run(context =>
        {
            if (context.Request.Path == ThrowPath)
            {
                throw new InvalidOperationException(SecretMessage);
            }

            // What the end of the pipeline answers when no endpoint matched.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    };
}
