namespace Autopack.Api.Runs;

/// <summary>One attempt of a phase: the files it left (diff, transcript, verify, auditor) with their URLs and sizes.</summary>
public sealed record AttemptView(int Attempt, IReadOnlyList<AttemptFileView> Files);

