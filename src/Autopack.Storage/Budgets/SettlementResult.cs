using Autopack.Domain.Budgets;

namespace Autopack.Storage.Budgets;

/// <summary>
/// The outcome of settling a call: what was charged, and which 80% warnings it crossed and recorded (false for a scope
/// whose warning was already recorded before a refusal).
/// </summary>
public sealed record SettlementResult(long UsageEventId, SettledUsage Charged, bool PhaseWarningCrossed, bool RunWarningCrossed);
