using System.Text;

namespace Autopack.Llm.Relay;

/// <summary>
/// Splits a server-sent-event stream into whole events, whatever the chunks it arrives in: bytes are held until the
/// blank line that ends an event, so an event is relayed once, whole, and metered from its <c>data:</c> lines. An
/// event longer than <see cref="MaxEventBytes"/> is passed on in pieces unread (its data null), so a hostile stream
/// cannot make the relay hold more than that.
/// </summary>
public sealed class SseEventReader
{
    /// <summary>The most bytes one event may have and still be read (a chat-completions chunk is a few hundred).</summary>
    public const int MaxEventBytes = 4 * 1024 * 1024;

    private readonly MemoryStream pending = new();
    private int scanned;
    private bool oversized;

    /// <summary>Adds bytes of the stream and appends every event they complete to <paramref name="events"/>.</summary>
    public void Append(ReadOnlySpan<byte> chunk, List<SseEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        pending.Write(chunk);
        var buffer = pending.GetBuffer().AsSpan(0, (int)pending.Length);
        var start = 0;
        while (true)
        {
            var end = EventEnd(buffer, start, ref scanned);
            if (end < 0)
            {
                break;
            }

            var raw = buffer[start..end].ToArray();
            events.Add(oversized || raw.Length > MaxEventBytes ? new SseEvent(raw, null, null) : Parse(raw));
            oversized = false;
            start = end;
            scanned = start;
        }

        Keep(buffer, start);
        if (pending.Length > MaxEventBytes)
        {
            // Too long to read: relay what there is, read nothing of it, and skip the rest of this event unread too.
            events.Add(new SseEvent(pending.ToArray(), null, null));
            pending.SetLength(0);
            scanned = 0;
            oversized = true;
        }
    }

    /// <summary>The bytes after the last whole event, when the stream ended (relayed as they are, read if small).</summary>
    public SseEvent? Flush()
    {
        if (pending.Length == 0)
        {
            return null;
        }

        var raw = pending.ToArray();
        pending.SetLength(0);
        scanned = 0;
        return oversized ? new SseEvent(raw, null, null) : Parse(raw);
    }

    /// <summary>Where the event starting at <paramref name="start"/> ends (after its blank line), or -1 when it has not yet.</summary>
    private static int EventEnd(ReadOnlySpan<byte> buffer, int start, ref int scanned)
    {
        // A blank line is "\n\n" or "\r\n\r\n" (or "\r\n\n"): a line feed followed by an optional CR and a line feed.
        var from = Math.Max(start, scanned - 2);
        for (var i = from; i < buffer.Length; i++)
        {
            if (buffer[i] != (byte)'\n')
            {
                continue;
            }

            var next = i + 1;
            if (next < buffer.Length && buffer[next] == (byte)'\r')
            {
                next++;
            }

            if (next < buffer.Length && buffer[next] == (byte)'\n')
            {
                return next + 1;
            }
        }

        scanned = buffer.Length;
        return -1;
    }

    private void Keep(ReadOnlySpan<byte> buffer, int start)
    {
        if (start == 0)
        {
            return;
        }

        var rest = buffer[start..].ToArray();
        pending.SetLength(0);
        pending.Write(rest);
        scanned = Math.Max(0, scanned - start);
    }

    private static SseEvent Parse(byte[] raw)
    {
        string? name = null;
        StringBuilder? data = null;
        foreach (var line in Encoding.UTF8.GetString(raw).Split('\n'))
        {
            var text = line.TrimEnd('\r');
            if (text.StartsWith("data:", StringComparison.Ordinal))
            {
                var value = text.AsSpan(5);
                if (value.Length > 0 && value[0] == ' ')
                {
                    value = value[1..];
                }

                if (data is null)
                {
                    data = new StringBuilder();
                }
                else
                {
                    data.Append('\n');
                }

                data.Append(value);
            }
            else if (text.StartsWith("event:", StringComparison.Ordinal))
            {
                name = text[6..].Trim();
            }
        }

        return new SseEvent(raw, name, data?.ToString());
    }
}
