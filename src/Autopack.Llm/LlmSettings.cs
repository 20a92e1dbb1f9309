using System.Text;
using Autopack.Domain.Settings;

namespace Autopack.Llm;

/// <summary>
/// The providers' settings: each one's base URL, API key and model, the offline provider's latency, the timeout
/// of one attempt and how long an open breaker stays open. Keys are <see cref="SecretAttribute"/>: ToString shows
/// only whether they are set.
/// </summary>
public sealed record LlmSettings
{
    public string OpenAiBaseUrl { get; init; } = "https://api.openai.com/v1";

    [Secret]
    public string? OpenAiApiKey { get; init; }

    public string OpenAiModel { get; init; } = "gpt-4o-mini";

    public string AnthropicBaseUrl { get; init; } = "https://api.anthropic.com";

    [Secret]
    public string? AnthropicApiKey { get; init; }

    public string AnthropicModel { get; init; } = "claude-sonnet-4-5";

    public int OfflineLatencyMs { get; init; }

    public int ProviderTimeoutSeconds { get; init; } = 120;

    public int BreakerBreakSeconds { get; init; } = 30;

    public static LlmSettings Load(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var defaults = new LlmSettings();
        return new LlmSettings
        {
            OpenAiBaseUrl = Url(reader, "AUTOPACK_OPENAI_BASE_URL") ?? defaults.OpenAiBaseUrl,
            OpenAiApiKey = reader.Text("AUTOPACK_OPENAI_API_KEY"),
            OpenAiModel = reader.Text("AUTOPACK_OPENAI_MODEL") ?? defaults.OpenAiModel,
            AnthropicBaseUrl = Url(reader, "AUTOPACK_ANTHROPIC_BASE_URL") ?? defaults.AnthropicBaseUrl,
            AnthropicApiKey = reader.Text("AUTOPACK_ANTHROPIC_API_KEY"),
            AnthropicModel = reader.Text("AUTOPACK_ANTHROPIC_MODEL") ?? defaults.AnthropicModel,
            OfflineLatencyMs = reader.Int("AUTOPACK_OFFLINE_LATENCY_MS", 0, 3_600_000) ?? 0,
            ProviderTimeoutSeconds = reader.Int("AUTOPACK_PROVIDER_TIMEOUT_SECONDS", 1, 3600) ?? defaults.ProviderTimeoutSeconds,
            BreakerBreakSeconds = reader.Int("AUTOPACK_BREAKER_BREAK_SECONDS", 1, 3600) ?? defaults.BreakerBreakSeconds,
        };
    }

    private static string? Url(SettingsReader reader, string name) => reader.Checked(
        name,
        text => Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps),
        "an http(s) URL");

    private bool PrintMembers(StringBuilder builder) => SecretMasking.PrintMembers(this, builder);
}
