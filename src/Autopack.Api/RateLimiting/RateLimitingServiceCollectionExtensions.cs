using System.Threading.RateLimiting;
using Autopack.Api.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Autopack.Api.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter with two policies (ADR-025), each a fixed one-minute window over a bounded set of
/// partitions (<see cref="ClientPartitions"/>); a refusal is 429 problem details.
/// Data requests: <c>AUTOPACK_RATE_LIMIT_PER_MINUTE</c> per remote client IP, and per connection for loopback
/// clients (they all share 127.0.0.1). Operator requests (<see cref="OperatorRequests"/>: probes, /metrics, stop,
/// abort, timeout, breaker reset) never count against that budget: from loopback they are not limited, from a
/// remote client they have a budget of their own, <see cref="OperatorMultiplier"/> times the data budget.
/// </summary>
public static class RateLimitingServiceCollectionExtensions
{
    /// <summary>A remote client's operator budget is this many times its data budget.</summary>
    public const int OperatorMultiplier = 10;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ClientPartitions(
            sp.GetRequiredService<ApiSettings>().RateLimitMaxClients, Window, sp.GetRequiredService<TimeProvider>()));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ClientPartitions, ApiSettings>((options, partitions, settings) =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => PartitionFor(context, partitions, settings));
            options.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> PartitionFor(HttpContext context, ClientPartitions partitions, ApiSettings settings)
    {
        var address = context.Connection.RemoteIpAddress;
        if (OperatorRequests.IsOperatorRequest(context))
        {
            return ClientPartitions.IsLoopback(address)
                ? RateLimitPartition.GetNoLimiter("operator:loopback")
                : FixedWindow("operator:" + partitions.KeyFor(address), settings.RateLimitPerMinute * OperatorMultiplier);
        }

        return FixedWindow(partitions.KeyFor(address, context.Connection.RemotePort), settings.RateLimitPerMinute);
    }

    private static RateLimitPartition<string> FixedWindow(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var settings = context.RequestServices.GetRequiredService<ApiSettings>();
        var operatorRequest = OperatorRequests.IsOperatorRequest(context);
        var limit = operatorRequest ? settings.RateLimitPerMinute * OperatorMultiplier : settings.RateLimitPerMinute;
        var what = operatorRequest ? "health, metrics and control requests" : "requests";
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"more than {limit} {what} a minute from this client (AUTOPACK_RATE_LIMIT_PER_MINUTE); retry in {seconds}s",
            },
        }).ConfigureAwait(false);
    }
}
