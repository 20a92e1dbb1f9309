using Autopack.Storage.Budgets;

namespace Autopack.Llm.Calls;

/// <summary>A settled call: the reply, and the usage row written for it.</summary>
public sealed record LlmCallResult(string Text, string Model, SettlementResult Settlement, bool OutputShrunk);
