namespace Autopack.Api.Hosting;

/// <summary>When this server started, on the injected clock.</summary>
public sealed class ServerUptime(TimeProvider time)
{
    private readonly long started = time.GetTimestamp();

    public TimeSpan Elapsed => time.GetElapsedTime(started);
}
