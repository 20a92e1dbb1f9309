namespace Autopack.Storage.Runtime;

/// <summary>The three control files of the SPEC and the word each carries.</summary>
public enum ControlKind
{
    Stop,
    Timeout,
    Abort,
}

/// <summary>A parsed control-file command: <c>stop:&lt;run-id&gt;</c>, <c>timeout:&lt;phase-id&gt;</c> or <c>abort:&lt;run-id&gt;</c>.</summary>
public sealed record ControlCommand(ControlKind Kind, string TargetId)
{
    public static string FileNameOf(ControlKind kind) => kind switch
    {
        ControlKind.Stop => ".stop_executor",
        ControlKind.Timeout => ".force_timeout",
        _ => ".abort_run",
    };

    public static string WordOf(ControlKind kind) => kind switch
    {
        ControlKind.Stop => "stop",
        ControlKind.Timeout => "timeout",
        _ => "abort",
    };

    public string Content => $"{WordOf(Kind)}:{TargetId}";

    /// <summary>Parses a file's content (as written by echo: trailing newline and spaces allowed); null when malformed.</summary>
    public static ControlCommand? Parse(ControlKind kind, string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var text = content.Trim();
        var prefix = WordOf(kind) + ":";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var target = text[prefix.Length..].Trim();
        return Domain.Plans.Identifiers.IsSafe(target) ? new ControlCommand(kind, target) : null;
    }
}
