using Autopack.Api.Hosting;
using Serilog.Events;

namespace Autopack.Api.Logging;

/// <summary>
/// The level of a request's log line (ADR-026). A server error or an exception: Error; a request that took at
/// least AUTOPACK_SLOW_REQUEST_MS: Warning; any other: Information with AUTOPACK_LOG_REQUESTS=all, else Debug,
/// which is below the log's minimum level, so a dashboard or scraper polling the API writes nothing.
/// </summary>
public static class RequestLogLevels
{
    public static Func<HttpContext, double, Exception?, LogEventLevel> For(ApiSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var routine = settings.LogAllRequests ? LogEventLevel.Information : LogEventLevel.Debug;
        var slowMs = (double)settings.SlowRequestMs;
        return (context, elapsedMs, exception) => exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError
            ? LogEventLevel.Error
            : elapsedMs >= slowMs ? LogEventLevel.Warning : routine;
    }
}
