namespace Autopack.Executor.Control;

/// <summary>
/// What <see cref="ControlFileReader"/> found at a control file's path: its text and when it was written, or why it
/// was refused unread (a symbolic link, not a regular file, too large).
/// </summary>
/// <param name="Text">The file's text; null when refused.</param>
/// <param name="WrittenAt">Its last write (UTC); default when refused.</param>
/// <param name="Refusal">Why it was not read, e.g. "is a symbolic link"; null when read.</param>
public sealed record ControlFileContent(string? Text, DateTime WrittenAt, string? Refusal)
{
    public static ControlFileContent Refused(string why) => new(null, default, why);
}
