using System.Diagnostics.CodeAnalysis;

namespace Autopack.Llm;

/// <summary>
/// What a build of Autopack carries. The native executor front (ADR-045) is compiled without the Anthropic SDK, which
/// serializes with reflection that Native AOT does not support: there the switch is off, the trimmer removes the
/// provider, and a run with an Anthropic phase is handed to the managed program.
/// </summary>
public static class LlmFeatures
{
    public const string AnthropicSdkSwitch = "Autopack.Llm.AnthropicSdk";

    /// <summary>True unless the build turned <see cref="AnthropicSdkSwitch"/> off.</summary>
    [FeatureSwitchDefinition(AnthropicSdkSwitch)]
    public static bool AnthropicSdk => !AppContext.TryGetSwitch(AnthropicSdkSwitch, out var on) || on;
}
