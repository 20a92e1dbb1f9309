using Autopack.Llm.Providers;
using Autopack.Storage.Budgets;

namespace Autopack.Executor.Calls;

/// <summary>A settled call: the reply (its text and tool calls), and the usage row written for it.</summary>
/// <param name="Response">The provider's reply, with the usage it reported.</param>
/// <param name="Settlement">The usage row and the budgets after it.</param>
/// <param name="OutputShrunk">The budget granted less than the configured max output tokens.</param>
public sealed record LlmCallResult(LlmResponse Response, SettlementResult Settlement, bool OutputShrunk)
{
    /// <summary>The assistant's text.</summary>
    public string Text => Response.Text;

    /// <summary>The model that served the call.</summary>
    public string Model => Response.Model;
}
