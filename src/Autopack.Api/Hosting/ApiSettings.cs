using System.Net;
using System.Text;
using Autopack.Domain.Settings;
using Autopack.Storage;

namespace Autopack.Api.Hosting;

/// <summary>
/// The server's own settings: where it listens, whether a non-local bind is allowed, the API key, the request log,
/// the per-client rate limit and the backup schedule. <see cref="Load"/> refuses a bad value naming its variable;
/// the key is <see cref="SecretAttribute"/>, so ToString shows only whether it is set.
/// </summary>
public sealed record ApiSettings
{
    private readonly string bindAddress = "127.0.0.1";

    /// <summary>The address the API listens on, in its canonical form (see <see cref="CanonicalAddress"/>).</summary>
    public string BindAddress
    {
        get => bindAddress;
        init => bindAddress = CanonicalAddress(value);
    }

    public int Port { get; init; } = 8000;

    public bool AllowNonLocal { get; init; }

    [Secret]
    public string? ApiKey { get; init; }

    public string LogPath { get; init; } = Path.Combine(".autonomous_runs", "autopack.jsonl");

    /// <summary>AUTOPACK_LOG_REQUESTS=all: a log line for every HTTP request; by default (<c>errors</c>) only 5xx and slow ones.</summary>
    public bool LogAllRequests { get; init; }

    /// <summary>A request taking at least this long is logged (as a warning) whatever AUTOPACK_LOG_REQUESTS says.</summary>
    public int SlowRequestMs { get; init; } = 1000;

    public int RateLimitPerMinute { get; init; } = 1200;

    public int RateLimitMaxClients { get; init; } = 10_000;

    /// <summary>AUTOPACK_BACKUP_CRON: when the server takes a backup (none: never).</summary>
    public string? BackupCron { get; init; }

    public bool BindIsLoopback => IsLoopback(BindAddress);

    /// <summary>
    /// An IP address as a socket listens on it: an IPv4-mapped IPv6 address (<c>::ffff:127.0.0.1</c>) is the IPv4
    /// address it maps (an IPv6 socket refuses to bind one, EINVAL), and every address is written one way
    /// (<c>[::1]</c> and <c>0:0:0:0:0:0:0:1</c> are <c>::1</c>). <c>localhost</c> and anything else stay as given.
    /// </summary>
    public static string CanonicalAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.TryParse(address, out var ip))
        {
            return address;
        }

        return (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }

    public static bool IsLoopback(string address) =>
        string.Equals(address, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Reads the server's settings; the log goes into <paramref name="storage"/>'s runtime folder unless AUTOPACK_LOG_PATH says otherwise.</summary>
    public static ApiSettings Load(SettingsReader reader, StorageSettings storage)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(storage);
        var defaults = new ApiSettings();
        return new ApiSettings
        {
            BindAddress = reader.Checked(
                "AUTOPACK_BIND_ADDRESS",
                text => string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(text, out _),
                "an IP address or localhost") ?? defaults.BindAddress,
            Port = reader.Int("AUTOPACK_PORT", 1, 65_535) ?? defaults.Port,
            AllowNonLocal = reader.Flag("AUTOPACK_ALLOW_NON_LOCAL"),
            ApiKey = reader.Text("AUTOPACK_API_KEY"),
            LogPath = reader.Text("AUTOPACK_LOG_PATH") ?? Path.Combine(storage.RunsDirectory, "autopack.jsonl"),
            LogAllRequests = RequestLogging(reader, "AUTOPACK_LOG_REQUESTS"),
            SlowRequestMs = reader.Int("AUTOPACK_SLOW_REQUEST_MS", 0, 600_000) ?? defaults.SlowRequestMs,
            RateLimitPerMinute = reader.Int("AUTOPACK_RATE_LIMIT_PER_MINUTE", 1, 1_000_000) ?? defaults.RateLimitPerMinute,
            RateLimitMaxClients = reader.Int("AUTOPACK_RATE_LIMIT_MAX_CLIENTS", 1, 1_000_000) ?? defaults.RateLimitMaxClients,
            BackupCron = reader.Text("AUTOPACK_BACKUP_CRON"),
        };
    }

    private static bool RequestLogging(SettingsReader reader, string name) => reader.Text(name)?.ToLowerInvariant() switch
    {
        null or "errors" => false,
        "all" => true,
        var other => throw new SettingsException(name, $"must be 'errors' or 'all', got '{other}'"),
    };

    private bool PrintMembers(StringBuilder builder) => SecretMasking.PrintMembers(this, builder);
}
