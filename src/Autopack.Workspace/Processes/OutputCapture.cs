using System.Text;
using CliWrap;

namespace Autopack.Workspace.Processes;

/// <summary>
/// Collects what a process writes: the last <c>maxChars</c> characters of every stream piped into it,
/// interleaved as they arrive, and optionally every byte into a log file.
/// </summary>
internal sealed class OutputCapture(int maxChars, Stream? log = null)
{
    // Trimming on every append would copy the buffer each time; trimming at twice the cap keeps it amortised.
    private readonly int _trimAt = maxChars > int.MaxValue / 2 ? int.MaxValue : (maxChars * 2) + 4096;
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private long _omitted;

    public PipeTarget CreateTarget() => PipeTarget.Create(CopyAsync);

    public (string Text, long OmittedChars) Snapshot()
    {
        lock (_gate)
        {
            Trim();
            return (_text.ToString(), _omitted);
        }
    }

    private async Task CopyAsync(Stream source, CancellationToken cancellationToken)
    {
        // One decoder per stream: a multi-byte character split across two reads must not be mangled.
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length) + 2];
        int read;
        while ((read = await source.ReadAsync(bytes, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            Append(bytes.AsSpan(0, read), chars.AsSpan(0, count));
        }

        var rest = decoder.GetChars([], 0, 0, chars, 0, flush: true);
        Append([], chars.AsSpan(0, rest));
    }

    private void Append(ReadOnlySpan<byte> bytes, ReadOnlySpan<char> chars)
    {
        lock (_gate)
        {
            log?.Write(bytes);
            _text.Append(chars);
            if (_text.Length > _trimAt)
            {
                Trim();
            }
        }
    }

    private void Trim()
    {
        var excess = _text.Length - Math.Max(0, maxChars);
        if (excess <= 0)
        {
            return;
        }

        // Never start the kept tail with the second half of a surrogate pair.
        if (excess < _text.Length && char.IsLowSurrogate(_text[excess]))
        {
            excess++;
        }

        _text.Remove(0, excess);
        _omitted += excess;
    }
}
