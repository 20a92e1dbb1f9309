using Autopack.Domain.Plans;

namespace Autopack.Cli.Commands;

/// <summary>
/// Reads the plan file of <c>autopack runs create --file</c> with the limit <c>POST /runs</c> puts on its body
/// (<see cref="PlanLimits.MaxDocumentBytes"/>): never more than that many bytes are read, so <c>/dev/zero</c> or a
/// growing log cannot take the memory, and a file that reports no size (a device, a pipe, a socket, or an empty
/// file) is refused before it is opened, so a FIFO without a writer cannot make the command wait for ever. What the
/// bytes hold is judged by <see cref="PlanParser"/>, as for a request body.
/// </summary>
public static class PlanFile
{
    public static async Task<RunPlan> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return PlanParser.Parse(bytes);
    }

    public static async Task<ReadOnlyMemory<byte>> ReadBytesAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new CliException($"--file: {path} is a folder, not a plan file", 2);
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new CliException($"--file: no such file {path}", 2);
        }

        // A regular file's size is known before reading it; devices, pipes and sockets report none.
        if (file.Length == 0)
        {
            throw new CliException($"--file: {path} is empty or not a regular file (a device, pipe or socket)", 2);
        }

        if (file.Length > PlanLimits.MaxDocumentBytes)
        {
            throw TooLarge();
        }

        var buffer = new byte[PlanLimits.MaxDocumentBytes + 1];
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            // The file may have grown since its size was read: one byte past the limit is enough to refuse it.
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total <= PlanLimits.MaxDocumentBytes ? buffer.AsMemory(0, total) : throw TooLarge();
        }
    }

    private static CliException TooLarge() => new($"--file: {PlanParser.TooLargeReason} (the limit POST /runs puts on a plan)", 2);
}
