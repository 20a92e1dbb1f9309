using System.Net;

namespace Autopack.Api.RateLimiting;

/// <summary>
/// Chooses the rate-limit partition of a client (its IP address) while keeping the number of tracked clients
/// at most <see cref="MaxClients"/>. Clients idle for a whole window carry no rate state and are forgotten;
/// when the table is still full, newcomers share one overflow partition instead of evicting a busy client
/// (which would hand that client a fresh budget). See docs/ARCHITECTURE_DECISIONS.md.
/// </summary>
public sealed class ClientPartitions
{
    public const string OverflowKey = "(overflow)";
    public const string UnknownKey = "(unknown)";

    /// <summary>A full table is swept at most this often, so a flood of new addresses cannot make every request O(n).</summary>
    private static readonly TimeSpan FullSweepInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, long> lastSeen = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private long lastSweep;
    private long overflowRequests;

    public ClientPartitions(int maxClients, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClients, 1);
        MaxClients = maxClients;
        Window = window;
        this.time = time;
        lastSweep = time.GetTimestamp();
    }

    public int MaxClients { get; }

    public TimeSpan Window { get; }

    public int TrackedClients
    {
        get
        {
            lock (gate)
            {
                return lastSeen.Count;
            }
        }
    }

    /// <summary>Requests that found the table full and went to the shared overflow partition.</summary>
    public long OverflowRequests => Interlocked.Read(ref overflowRequests);

    /// <summary>The partition of a client known by its address alone.</summary>
    public string KeyFor(IPAddress? address) => KeyFor(AddressText(address));

    /// <summary>
    /// The partition of a connection: remote clients by their address; loopback clients, which all share one
    /// address, by their connection (address and port), so one noisy local process cannot use up everyone's budget.
    /// </summary>
    public string KeyFor(IPAddress? address, int port) =>
        IsLoopback(address) ? KeyFor($"{AddressText(address)}#{port}") : KeyFor(AddressText(address));

    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static string AddressText(IPAddress? address) =>
        address is null ? UnknownKey : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private string KeyFor(string key)
    {
        var now = time.GetTimestamp();
        lock (gate)
        {
            if (time.GetElapsedTime(lastSweep, now) >= Window)
            {
                SweepIdle(now);
            }

            if (lastSeen.ContainsKey(key))
            {
                lastSeen[key] = now;
                return key;
            }

            if (lastSeen.Count >= MaxClients && time.GetElapsedTime(lastSweep, now) >= FullSweepInterval)
            {
                SweepIdle(now);
            }

            if (lastSeen.Count >= MaxClients)
            {
                Interlocked.Increment(ref overflowRequests);
                return OverflowKey;
            }

            lastSeen[key] = now;
            return key;
        }
    }

    private void SweepIdle(long now)
    {
        lastSweep = now;
        foreach (var (key, seen) in lastSeen)
        {
            if (time.GetElapsedTime(seen, now) >= Window)
            {
                lastSeen.Remove(key);
            }
        }
    }
}
