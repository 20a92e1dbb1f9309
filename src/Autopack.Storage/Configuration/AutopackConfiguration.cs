using Autopack.Domain.Settings;
using Microsoft.Extensions.Configuration;

namespace Autopack.Storage.Configuration;

/// <summary>
/// Settings come from autopack.json in the working directory (optional), then environment variables, which win.
/// Both use the SPEC's names (<c>AUTOPACK_PORT</c>, ...); autopack.json may also hold a
/// <c>phase_token_cap_multipliers</c> object.
/// </summary>
public static class AutopackConfiguration
{
    public const string FileName = "autopack.json";

    public static IConfigurationBuilder AddAutopackSources(this IConfigurationBuilder builder, string directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddJsonFile(Path.Combine(Path.GetFullPath(directory), FileName), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables();
    }

    /// <exception cref="SettingsException">autopack.json exists but is not valid JSON.</exception>
    public static IConfiguration Build(string directory)
    {
        try
        {
            return new ConfigurationBuilder().AddAutopackSources(directory).Build();
        }
        catch (InvalidDataException ex)
        {
            var inner = ex.InnerException?.Message ?? ex.Message;
            throw new SettingsException(FileName, $"not valid JSON ({inner})");
        }
    }

    public static AutopackSettings ToAutopackSettings(this IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("phase_token_cap_multipliers");
        var multipliers = section.Exists()
            ? section.GetChildren().ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal)
            : null;
        return AutopackSettings.Load(key => configuration[key], multipliers);
    }
}
