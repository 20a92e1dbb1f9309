using System.Threading.RateLimiting;
using Autopack.Domain.Settings;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Autopack.Api.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter, one fixed one-minute window of <c>AUTOPACK_RATE_LIMIT_PER_MINUTE</c> requests per
/// client IP, over a bounded set of partitions (<see cref="ClientPartitions"/>); a refusal is 429 problem details.
/// </summary>
public static class RateLimitingServiceCollectionExtensions
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ClientPartitions(
            sp.GetRequiredService<AutopackSettings>().RateLimitMaxClients, Window, sp.GetRequiredService<TimeProvider>()));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ClientPartitions, AutopackSettings>((options, partitions, settings) =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetFixedWindowLimiter(
                    partitions.KeyFor(context.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = settings.RateLimitPerMinute,
                        Window = Window,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            options.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var settings = context.RequestServices.GetRequiredService<AutopackSettings>();
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"more than {settings.RateLimitPerMinute} requests a minute from this client (AUTOPACK_RATE_LIMIT_PER_MINUTE); retry in {seconds}s",
            },
        }).ConfigureAwait(false);
    }
}
