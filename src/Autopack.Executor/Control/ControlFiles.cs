using System.Diagnostics;
using Autopack.Executor.Hosting;
using Autopack.Storage.Runtime;
using Microsoft.Extensions.Logging;
using EventLog = Autopack.Storage.Events.EventLog;

namespace Autopack.Executor.Control;

/// <summary>
/// The three control files of the runtime folder, read through <see cref="ControlFileReader"/>. A file refused
/// unread (a symbolic link, a FIFO, one over <see cref="ControlFileReader.MaxBytes"/>) is removed at once and
/// recorded as <c>control_refused</c>; text that does not parse is removed once it has stayed the same for
/// <see cref="MalformedGrace"/> (an echo may be caught between its truncate and its write) and recorded as
/// <c>control_malformed</c>. Neither record holds the file's text: only a command that parses is recorded.
/// </summary>
internal sealed class ControlFiles(RuntimeFolder runtime, EventLog events, ExecutorIdentity identity, ILogger logger)
{
    public static readonly TimeSpan MalformedGrace = TimeSpan.FromSeconds(1);

    private readonly Dictionary<ControlKind, (string Content, long SeenAt)> malformed = [];

    /// <summary>The command in the file of this kind with when it was written; null when there is none to act on.</summary>
    public async Task<(ControlCommand Command, DateTime WrittenAt)?> ReadAsync(ControlKind kind, CancellationToken cancellationToken)
    {
        var path = runtime.ControlFilePath(kind);
        var content = ControlFileReader.Read(path);
        if (content is null)
        {
            malformed.Remove(kind);
            return null;
        }

        if (content.Refusal is { } why)
        {
            malformed.Remove(kind);
            await RefuseAsync(kind, path, why, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var command = ControlCommand.Parse(kind, content.Text!);
        if (command is null)
        {
            await HandleMalformedAsync(kind, path, content.Text!, cancellationToken).ConfigureAwait(false);
            return null;
        }

        malformed.Remove(kind);
        return (command, content.WrittenAt);
    }

    /// <summary>Consumes the control file when it holds this command; true when it did.</summary>
    public bool TryConsume(ControlCommand command)
    {
        var path = runtime.ControlFilePath(command.Kind);
        try
        {
            if (ControlFileReader.Read(path) is not { Text: { } text } || ControlCommand.Parse(command.Kind, text) != command)
            {
                return false;
            }
        }
        catch (IOException)
        {
            return false;
        }

        Delete(path);
        return true;
    }

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already consumed or replaced; the next scan sees what is there now.
        }
    }

    private async Task RefuseAsync(ControlKind kind, string path, string why, CancellationToken cancellationToken)
    {
        var file = ControlCommand.FileNameOf(kind);
        logger.LogWarning("control file {File} {Why}; removed unread", file, why);
        Delete(path);
        await events.AppendAsync(
            "control_refused",
            $"{file} {why}; removed unread (control files are regular files of at most {ControlFileReader.MaxBytes} bytes)",
            identity.RunId,
            null,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleMalformedAsync(ControlKind kind, string path, string content, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (!malformed.TryGetValue(kind, out var seen) || seen.Content != content)
        {
            malformed[kind] = (content, now);
            return;
        }

        if (Stopwatch.GetElapsedTime(seen.SeenAt, now) < MalformedGrace)
        {
            return;
        }

        malformed.Remove(kind);
        var file = ControlCommand.FileNameOf(kind);
        var expected = $"{ControlCommand.WordOf(kind)}:<id>";
        logger.LogWarning("control file {File} is malformed ({Chars} characters, expected '{Expected}'); consumed", file, content.Length, expected);
        await events.AppendAsync(
            "control_malformed",
            $"{file} held {content.Length} characters that are not '{expected}'; consumed",
            identity.RunId,
            null,
            cancellationToken).ConfigureAwait(false);
        Delete(path);
    }
}
