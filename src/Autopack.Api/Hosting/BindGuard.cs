using Autopack.Domain.Settings;

namespace Autopack.Api.Hosting;

/// <summary>
/// Refuses an unsafe bind before anything listens: an address outside 127.0.0.0/8 and ::1 needs
/// <c>AUTOPACK_ALLOW_NON_LOCAL=1</c> and an <c>AUTOPACK_API_KEY</c>, so an API that can stop and abort runs is
/// never exposed to a network by accident or without a key.
/// </summary>
public static class BindGuard
{
    public static void Ensure(ApiSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.BindIsLoopback)
        {
            return;
        }

        if (!settings.AllowNonLocal)
        {
            throw new SettingsException(
                "AUTOPACK_ALLOW_NON_LOCAL",
                $"refusing to bind {settings.BindAddress}, which is outside 127.0.0.0/8 and ::1; set AUTOPACK_ALLOW_NON_LOCAL=1 (and AUTOPACK_API_KEY) to allow it");
        }

        if (settings.ApiKey is null)
        {
            throw new SettingsException(
                "AUTOPACK_API_KEY",
                $"a non-local bind address ({settings.BindAddress}) requires an API key; set AUTOPACK_API_KEY");
        }
    }
}
