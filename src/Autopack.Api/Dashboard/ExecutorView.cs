using Autopack.Storage.Entities;

namespace Autopack.Api.Dashboard;

/// <summary>The executor holding a run's lease and how long ago it last sent a heartbeat (by this server's clock).</summary>
public sealed record ExecutorView(string RunId, int Pid, string Host, DateTime AcquiredAt, DateTime HeartbeatAt, double HeartbeatAgeSeconds, bool Stale)
{
    public static ExecutorView From(ExecutorLeaseRow lease, DateTime now, int staleSeconds)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var age = Math.Max(0, (now - lease.HeartbeatAt).TotalSeconds);
        return new ExecutorView(lease.RunId, lease.Pid, lease.Host, lease.AcquiredAt, lease.HeartbeatAt, Math.Round(age, 1), age >= staleSeconds);
    }
}
