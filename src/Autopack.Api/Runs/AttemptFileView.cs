namespace Autopack.Api.Runs;

/// <summary>A file an attempt left, served as plain text at <see cref="Url"/>.</summary>
public sealed record AttemptFileView(string Kind, string Url, long Bytes);
