using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Autopack.Domain.Budgets;

namespace Autopack.Domain.Settings;

/// <summary>
/// Every setting of the SPEC (and the few Autopack adds), read from environment variables or autopack.json by
/// the same names. <see cref="Load"/> refuses a bad value with a <see cref="SettingsException"/> naming it.
/// </summary>
public sealed record AutopackSettings
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

    public long RunTokenCap { get; init; } = 5_000_000;

    public long PhaseTokenCap { get; init; } = 500_000;

    public IReadOnlyDictionary<string, double> PhaseTokenMultipliers { get; init; } = PhaseCapPolicy.DefaultMultipliers;

    public string DatabasePath { get; init; } = "autopack.db";

    public string RunsDirectory { get; init; } = ".autonomous_runs";

    public string OpenAiBaseUrl { get; init; } = "https://api.openai.com/v1";

    [Secret]
    public string? OpenAiApiKey { get; init; }

    public string OpenAiModel { get; init; } = "gpt-4o-mini";

    public string AnthropicBaseUrl { get; init; } = "https://api.anthropic.com";

    [Secret]
    public string? AnthropicApiKey { get; init; }

    public string AnthropicModel { get; init; } = "claude-sonnet-4-5";

    public int OfflineLatencyMs { get; init; }

    public string LogPath { get; init; } = Path.Combine(".autonomous_runs", "autopack.jsonl");

    /// <summary>AUTOPACK_LOG_REQUESTS=all: a log line for every HTTP request; by default (<c>errors</c>) only 5xx and slow ones.</summary>
    public bool LogAllRequests { get; init; }

    /// <summary>A request taking at least this long is logged (as a warning) whatever AUTOPACK_LOG_REQUESTS says.</summary>
    public int SlowRequestMs { get; init; } = 1000;

    /// <summary>Max output tokens asked of a provider per call, before shrinking to the headroom.</summary>
    public int MaxOutputTokens { get; init; } = 4096;

    /// <summary>A call is refused when fewer output tokens than this fit in the budget.</summary>
    public int MinOutputTokens { get; init; } = 256;

    public int ProviderTimeoutSeconds { get; init; } = 120;

    public int HeartbeatSeconds { get; init; } = 2;

    /// <summary>A lease whose heartbeat is older than this is stale: its executor is taken to be dead.</summary>
    public int LeaseStaleSeconds { get; init; } = 15;

    public int BreakerBreakSeconds { get; init; } = 30;

    /// <summary>A provider outage longer than this ends the executor with the run PAUSED (the attempt not counted).</summary>
    public int OutagePauseSeconds { get; init; } = 900;

    public string? BackupCron { get; init; }

    /// <summary>The append-only ledger each finished run adds an entry to.</summary>
    public string BuildHistoryPath { get; init; } = Path.Combine("docs", "BUILD_HISTORY.md");

    public string BackupDirectory { get; init; } = "backups";

    public int RateLimitPerMinute { get; init; } = 1200;

    public int RateLimitMaxClients { get; init; } = 10_000;

    public PhaseCapPolicy PhaseCapPolicy => new(PhaseTokenCap, PhaseTokenMultipliers);

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

    /// <summary>
    /// Reads settings through <paramref name="get"/> (a configuration lookup by variable name).
    /// <paramref name="multiplierSection"/> is autopack.json's <c>phase_token_cap_multipliers</c> object, if any;
    /// <c>AUTOPACK_PHASE_TOKEN_MULTIPLIERS</c> wins over it.
    /// </summary>
    public static AutopackSettings Load(Func<string, string?> get, IReadOnlyDictionary<string, string?>? multiplierSection = null)
    {
        ArgumentNullException.ThrowIfNull(get);
        var defaults = new AutopackSettings();
        var runsDir = Text(get, "AUTOPACK_RUNS_DIR") ?? defaults.RunsDirectory;
        var settings = new AutopackSettings
        {
            BindAddress = Address(get, "AUTOPACK_BIND_ADDRESS") ?? defaults.BindAddress,
            Port = Int(get, "AUTOPACK_PORT", 1, 65_535) ?? defaults.Port,
            AllowNonLocal = Flag(get, "AUTOPACK_ALLOW_NON_LOCAL"),
            ApiKey = Text(get, "AUTOPACK_API_KEY"),
            RunTokenCap = Long(get, "AUTOPACK_RUN_TOKEN_CAP") ?? defaults.RunTokenCap,
            PhaseTokenCap = Long(get, "AUTOPACK_PHASE_TOKEN_CAP") ?? defaults.PhaseTokenCap,
            PhaseTokenMultipliers = Multipliers(get, multiplierSection),
            DatabasePath = Text(get, "AUTOPACK_DB") ?? defaults.DatabasePath,
            RunsDirectory = runsDir,
            OpenAiBaseUrl = Url(get, "AUTOPACK_OPENAI_BASE_URL") ?? defaults.OpenAiBaseUrl,
            OpenAiApiKey = Text(get, "AUTOPACK_OPENAI_API_KEY"),
            OpenAiModel = Text(get, "AUTOPACK_OPENAI_MODEL") ?? defaults.OpenAiModel,
            AnthropicBaseUrl = Url(get, "AUTOPACK_ANTHROPIC_BASE_URL") ?? defaults.AnthropicBaseUrl,
            AnthropicApiKey = Text(get, "AUTOPACK_ANTHROPIC_API_KEY"),
            AnthropicModel = Text(get, "AUTOPACK_ANTHROPIC_MODEL") ?? defaults.AnthropicModel,
            OfflineLatencyMs = Int(get, "AUTOPACK_OFFLINE_LATENCY_MS", 0, 3_600_000) ?? 0,
            LogPath = Text(get, "AUTOPACK_LOG_PATH") ?? Path.Combine(runsDir, "autopack.jsonl"),
            LogAllRequests = RequestLogging(get, "AUTOPACK_LOG_REQUESTS"),
            SlowRequestMs = Int(get, "AUTOPACK_SLOW_REQUEST_MS", 0, 600_000) ?? defaults.SlowRequestMs,
            MaxOutputTokens = Int(get, "AUTOPACK_MAX_OUTPUT_TOKENS", 1, 1_000_000) ?? defaults.MaxOutputTokens,
            MinOutputTokens = Int(get, "AUTOPACK_MIN_OUTPUT_TOKENS", 1, 1_000_000) ?? defaults.MinOutputTokens,
            ProviderTimeoutSeconds = Int(get, "AUTOPACK_PROVIDER_TIMEOUT_SECONDS", 1, 3600) ?? defaults.ProviderTimeoutSeconds,
            HeartbeatSeconds = Int(get, "AUTOPACK_HEARTBEAT_SECONDS", 1, 300) ?? defaults.HeartbeatSeconds,
            LeaseStaleSeconds = Int(get, "AUTOPACK_LEASE_STALE_SECONDS", 2, 3600) ?? defaults.LeaseStaleSeconds,
            BreakerBreakSeconds = Int(get, "AUTOPACK_BREAKER_BREAK_SECONDS", 1, 3600) ?? defaults.BreakerBreakSeconds,
            OutagePauseSeconds = Int(get, "AUTOPACK_OUTAGE_PAUSE_SECONDS", 1, 86_400) ?? defaults.OutagePauseSeconds,
            BackupCron = Text(get, "AUTOPACK_BACKUP_CRON"),
            BuildHistoryPath = Text(get, "AUTOPACK_BUILD_HISTORY") ?? defaults.BuildHistoryPath,
            BackupDirectory = Text(get, "AUTOPACK_BACKUP_DIR") ?? defaults.BackupDirectory,
            RateLimitPerMinute = Int(get, "AUTOPACK_RATE_LIMIT_PER_MINUTE", 1, 1_000_000) ?? defaults.RateLimitPerMinute,
            RateLimitMaxClients = Int(get, "AUTOPACK_RATE_LIMIT_MAX_CLIENTS", 1, 1_000_000) ?? defaults.RateLimitMaxClients,
        };

        if (settings.MinOutputTokens > settings.MaxOutputTokens)
        {
            throw new SettingsException("AUTOPACK_MIN_OUTPUT_TOKENS", $"must not exceed AUTOPACK_MAX_OUTPUT_TOKENS ({settings.MaxOutputTokens})");
        }

        if (settings.LeaseStaleSeconds <= settings.HeartbeatSeconds)
        {
            throw new SettingsException("AUTOPACK_LEASE_STALE_SECONDS", $"must be longer than AUTOPACK_HEARTBEAT_SECONDS ({settings.HeartbeatSeconds})");
        }

        return settings;
    }

    private static string? Text(Func<string, string?> get, string name)
    {
        var value = get(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static bool Flag(Func<string, string?> get, string name) => Text(get, name) switch
    {
        null or "0" => false,
        "1" => true,
        var other when bool.TryParse(other, out var b) => b,
        var other => throw new SettingsException(name, $"must be 1 or 0, got '{other}'"),
    };

    private static bool RequestLogging(Func<string, string?> get, string name) => Text(get, name)?.ToLowerInvariant() switch
    {
        null or "errors" => false,
        "all" => true,
        var other => throw new SettingsException(name, $"must be 'errors' or 'all', got '{other}'"),
    };

    private static int? Int(Func<string, string?> get, string name, int min, int max)
    {
        var text = Text(get, name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new SettingsException(name, $"must be a whole number from {min} to {max}, got '{text}'");
        }

        return value;
    }

    private static long? Long(Func<string, string?> get, string name)
    {
        var text = Text(get, name);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new SettingsException(name, $"must be a positive whole number, got '{text}'");
        }

        return value;
    }

    private static string? Address(Func<string, string?> get, string name)
    {
        var text = Text(get, name);
        if (text is not null && !string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(text, out _))
        {
            throw new SettingsException(name, $"must be an IP address or localhost, got '{text}'");
        }

        return text;
    }

    private static string? Url(Func<string, string?> get, string name)
    {
        var text = Text(get, name);
        if (text is not null && (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw new SettingsException(name, $"must be an http(s) URL, got '{text}'");
        }

        return text;
    }

    private static IReadOnlyDictionary<string, double> Multipliers(Func<string, string?> get, IReadOnlyDictionary<string, string?>? section)
    {
        const string name = "AUTOPACK_PHASE_TOKEN_MULTIPLIERS";
        var pairs = new List<(string Key, string? Value, string Setting)>();
        var text = Text(get, name);
        if (text is not null)
        {
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = part.Split(':', 2, StringSplitOptions.TrimEntries);
                pairs.Add((kv[0], kv.Length == 2 ? kv[1] : null, name));
            }
        }
        else if (section is not null)
        {
            pairs.AddRange(section.Select(p => (p.Key, p.Value, "phase_token_cap_multipliers")));
        }
        else
        {
            return PhaseCapPolicy.DefaultMultipliers;
        }

        var result = new Dictionary<string, double>(PhaseCapPolicy.DefaultMultipliers, StringComparer.Ordinal);
        foreach (var (key, value, setting) in pairs)
        {
            if (!PhaseCapPolicy.DefaultMultipliers.ContainsKey(key))
            {
                throw new SettingsException(setting, $"unknown category '{key}' (known: {string.Join(", ", PhaseCapPolicy.DefaultMultipliers.Keys)})");
            }

            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var multiplier) || !double.IsFinite(multiplier) || multiplier <= 0)
            {
                throw new SettingsException(setting, $"multiplier of '{key}' must be a positive number, got '{value}'");
            }

            result[key] = multiplier;
        }

        return result;
    }

    private static readonly PropertyInfo[] Printed = typeof(AutopackSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>The record's ToString, with every <see cref="SecretAttribute"/> setting shown as set or unset only.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        var first = true;
        foreach (var property in Printed)
        {
            builder.Append(first ? string.Empty : ", ").Append(property.Name).Append(" = ");
            first = false;
            var value = property.GetValue(this);
            if (property.IsDefined(typeof(SecretAttribute)))
            {
                builder.Append(value is null ? "(unset)" : "(set)");
            }
            else
            {
                builder.Append(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value);
            }
        }

        return true;
    }
}
