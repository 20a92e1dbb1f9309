namespace Autopack.Llm.Resilience;

/// <summary>A breaker's state as shown to operators: <c>closed</c>, <c>open</c>, <c>half_open</c> or <c>isolated</c>.</summary>
public sealed record BreakerSnapshot(string Name, string State, int ConsecutiveFailures, DateTime? OpenedAt);
