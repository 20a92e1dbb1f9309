using Autopack.Api.Alerts;

namespace Autopack.Api.Monitoring;

/// <summary>Outermost middleware: counts every HTTP 500 answer (whoever produced it) for the alert and the metric.</summary>
public sealed class ServerErrorCountingMiddleware(RequestDelegate next, ServerErrorWindow window, ApiMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            Count();
            throw;
        }

        if (context.Response.StatusCode == StatusCodes.Status500InternalServerError)
        {
            Count();
        }
    }

    private void Count()
    {
        window.Record();
        metrics.ServerErrors.Inc();
    }
}
