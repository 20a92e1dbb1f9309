namespace Autopack.Executor.Building;

/// <summary>
/// How a builder attempt ended: <see cref="Finished"/> when the model called <c>finish</c> or answered without a
/// tool call (its text is the summary); otherwise <see cref="Problem"/> says why it stopped (the turn bound).
/// </summary>
public sealed record BuilderOutcome(bool Finished, string Summary, int Turns, long TokensUsed, string? Problem = null);
