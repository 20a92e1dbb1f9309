namespace Autopack.Api.Runs;

/// <summary>One attempt of a phase: the files it left (diff, transcript, verify, auditor) with their URLs and sizes.</summary>
public sealed record AttemptView(int Attempt, IReadOnlyList<AttemptFileView> Files);

/// <summary>A file an attempt left, served as plain text at <see cref="Url"/>.</summary>
public sealed record AttemptFileView(string Kind, string Url, long Bytes);
