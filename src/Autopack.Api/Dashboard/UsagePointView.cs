namespace Autopack.Api.Dashboard;

/// <summary>Tokens (prompt + completion) and provider calls recorded in one bucket starting at <see cref="Start"/>.</summary>
public sealed record UsagePointView(DateTime Start, long Tokens, long Calls);
