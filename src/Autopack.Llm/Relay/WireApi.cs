namespace Autopack.Llm.Relay;

/// <summary>The two provider APIs Autopack's metered endpoint speaks to agents and relays to providers.</summary>
public enum WireApi
{
    /// <summary>OpenAI chat completions (<c>POST /v1/chat/completions</c>), the <c>openai</c> provider's API.</summary>
    ChatCompletions,

    /// <summary>Anthropic Messages (<c>POST /v1/messages</c>), the <c>anthropic</c> provider's API.</summary>
    Messages,
}
