namespace Autopack.Worker.Tests;

/// <summary>One run of a phase's verify command: which run, which executor, from when to when (nanoseconds since the epoch).</summary>
internal sealed record VerifyWindow(string RunId, int ExecutorPid, long StartNs, long? EndNs);
