namespace Autopack.Domain.Settings;

/// <summary>A setting has a value Autopack cannot use; <see cref="Setting"/> names it (e.g. <c>AUTOPACK_PORT</c>).</summary>
public sealed class SettingsException(string setting, string reason) : Exception($"{setting}: {reason}")
{
    public string Setting { get; } = setting;
}
