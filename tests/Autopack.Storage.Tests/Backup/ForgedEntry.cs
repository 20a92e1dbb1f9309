using System.Formats.Tar;
using System.IO.Compression;

namespace Autopack.Storage.Tests.Backup;

/// <summary>An entry of a hand-made archive: any name, any type, so tests can build what an attacker would.</summary>
internal sealed record ForgedEntry(string Name, byte[]? Data, TarEntryType Type = TarEntryType.RegularFile, string? LinkName = null)
{
    /// <summary>The entries of a real backup, in order, with their contents.</summary>
    public static List<ForgedEntry> ReadAll(string archive)
    {
        using var file = File.OpenRead(archive);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var entries = new List<ForgedEntry>();
        while (tar.GetNextEntry(copyData: true) is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries.Add(new ForgedEntry(entry.Name, data.ToArray(), entry.EntryType));
        }

        return entries;
    }

    public static void WriteAll(string archive, IEnumerable<ForgedEntry> entries)
    {
        using var file = File.Create(archive);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var forged in entries)
        {
            var entry = new PaxTarEntry(forged.Type, forged.Name) { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            if (forged.LinkName is not null)
            {
                entry.LinkName = forged.LinkName;
            }

            if (forged.Type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
            {
                entry.DeviceMajor = 1;
                entry.DeviceMinor = 3;
            }

            if (forged.Data is not null && forged.Type == TarEntryType.RegularFile)
            {
                entry.DataStream = new MemoryStream(forged.Data);
            }

            tar.WriteEntry(entry);
        }
    }
}
