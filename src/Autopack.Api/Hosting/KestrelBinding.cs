using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Autopack.Api.Hosting;

/// <summary>Kestrel listens on AUTOPACK_BIND_ADDRESS:AUTOPACK_PORT only (ASPNETCORE_URLS is ignored), with the body limit.</summary>
public static class KestrelBinding
{
    public static IServiceCollection AddAutopackKestrel(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<ApiSettings>((options, settings) =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = RequestBody.MaxBytes;
            if (string.Equals(settings.BindAddress, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                options.ListenLocalhost(settings.Port);
            }
            else
            {
                options.Listen(IPAddress.Parse(settings.BindAddress), settings.Port);
            }
        });
        return services;
    }
}
