namespace Autopack.Api.Runs.Plan;

/// <summary>One scripted edit of the offline builder: <c>path</c> with <c>content</c> (write_file) or <c>old</c> and <c>new</c> (replace_in_file).</summary>
public sealed record OfflineEditDocument(string Path, string? Content, string? Old, string? New);
