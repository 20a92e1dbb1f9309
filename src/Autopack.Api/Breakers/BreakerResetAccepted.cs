namespace Autopack.Api.Breakers;

/// <summary>The body of a 202 from POST /circuit-breakers/reset: the breakers whose executors are asked to close them.</summary>
public sealed record BreakerResetAccepted(int Requested, IReadOnlyList<string> Breakers);
