using Autopack.Domain.Settings;

namespace Autopack.Api.Hosting;

/// <summary>
/// Where settings come from: autopack.json in the working directory (optional), then environment variables, which
/// win. Both use the SPEC's names (<c>AUTOPACK_PORT</c>, ...); autopack.json may also hold a
/// <c>phase_token_cap_multipliers</c> object. The server reads its configuration through here, and so does the CLI
/// for every command (it composes this project), so both see the same values.
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

    /// <summary>The settings reader over a configuration: variables by name, autopack.json's objects as sections.</summary>
    public static SettingsReader Reader(this IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new SettingsReader(key => configuration[key], name =>
        {
            var section = configuration.GetSection(name);
            return section.Exists() ? section.GetChildren().ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal) : null;
        });
    }
}
