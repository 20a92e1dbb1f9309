namespace Autopack.Gateway;

/// <summary>What an attempt's agent did through the metered endpoint: requests served, refused by the budget, and tokens charged.</summary>
public sealed record AttemptUsage(int Requests, int Refused, long TokensCharged);
