namespace Autopack.Workspace.Processes;

/// <summary>Which environment variables a command must not see: provider keys, the API key, and anything
/// whose name says it is a key, token, secret or password.</summary>
public static class SecretVariables
{
    private static readonly string[] NameParts = ["API_KEY", "AUTH_TOKEN", "SECRET", "PASSWORD"];

    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "AUTOPACK_API_KEY",
        "AUTOPACK_OPENAI_API_KEY",
        "AUTOPACK_ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
    };

    public static bool IsSecret(string name) =>
        Names.Contains(name) || NameParts.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));
}
