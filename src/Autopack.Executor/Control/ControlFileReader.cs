using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Autopack.Executor.Control;

/// <summary>
/// Reads a control file only when it is a regular file of at most <see cref="MaxBytes"/> bytes (ADR-022). It is
/// opened with <c>O_NOFOLLOW | O_NONBLOCK</c>: a symbolic link is refused by the kernel without being followed (a
/// link to /etc/passwd once put its first lines in <c>events</c>), and a FIFO opens at once instead of blocking the
/// executor until a writer comes; anything that cannot seek (FIFO, socket, most devices) is refused unread.
/// </summary>
public static partial class ControlFileReader
{
    /// <summary>The largest control file read: a command is one short line (<c>timeout:&lt;phase-id&gt;</c>).</summary>
    public const int MaxBytes = 4096;

    private const int ENOENT = 2;
    private const int ELOOP = 40;
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;

    /// <summary>The file's content, or why it was refused; null when there is no file.</summary>
    /// <exception cref="IOException">the file exists and could not be opened or read.</exception>
    public static ControlFileContent? Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = OpenNoFollow(path, out var refusal);
        if (refusal is not null)
        {
            return ControlFileContent.Refused(refusal);
        }

        if (handle is null)
        {
            return null;
        }

        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        if (!stream.CanSeek)
        {
            return ControlFileContent.Refused("is not a regular file (a FIFO, socket or device)");
        }

        if (stream.Length > MaxBytes)
        {
            return ControlFileContent.Refused($"is over {MaxBytes} bytes ({stream.Length} bytes)");
        }

        // Read at most one byte past the limit: a file that grew since its length was read is refused too.
        var buffer = new byte[MaxBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0)
        {
            read += n;
        }

        if (read > MaxBytes)
        {
            return ControlFileContent.Refused($"is over {MaxBytes} bytes");
        }

        return new ControlFileContent(Encoding.UTF8.GetString(buffer, 0, read), File.GetLastWriteTimeUtc(handle), null);
    }

    /// <summary>Opens without following a final symbolic link; null (and no refusal) when there is no file.</summary>
    private static SafeFileHandle? OpenNoFollow(string path, out string? refusal)
    {
        refusal = null;
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere: the link is refused by a look before the open (a FIFO would still block there).
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                refusal = "is a symbolic link";
                return null;
            }

            return info.Exists ? File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
        }

        var fd = SysOpen(path, ORdOnly | ONonBlock | OCloExec | NoFollowFlag);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        switch (errno)
        {
            case ENOENT:
                return null;
            case ELOOP:
                refusal = "is a symbolic link";
                return null;
            default:
                throw new IOException($"cannot open {path} (errno {errno})");
        }
    }

    /// <summary>Linux's O_NOFOLLOW, which differs between the x86 and the Arm families.</summary>
    private static int NoFollowFlag => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysOpen(string path, int flags);
}
