using System.Text.Json;
using Autopack.Storage.Database;

namespace Autopack.Storage.Backup;

/// <summary>
/// <c>manifest.json</c>, the first entry of every backup: what wrote it and when, the database's schema version, and
/// the size and SHA-256 of every other entry. Restore trusts nothing in an archive that the manifest does not vouch for.
/// </summary>
public sealed record BackupManifest(
    int FormatVersion,
    long SchemaVersion,
    DateTimeOffset CreatedAt,
    string Host,
    string AutopackVersion,
    IReadOnlyList<BackupManifestEntry> Entries)
{
    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, BackupManifestJson.Default.BackupManifest);

    /// <summary>
    /// Parses and checks a manifest: a format this build reads, a schema no newer than its migrations, entry names
    /// a backup may hold, each once, with a size and a SHA-256. Throws <see cref="BackupRefusedException"/> naming
    /// the first problem.
    /// </summary>
    public static BackupManifest Parse(ReadOnlySpan<byte> utf8Json)
    {
        int format;
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("format_version", out var formatElement))
            {
                throw new BackupRefusedException("manifest.json has no format_version: not an autopack backup");
            }

            // TryGetInt32 throws (not false) for a string or any other non-number; a manifest is input, so say which field.
            if (formatElement.ValueKind != JsonValueKind.Number || !formatElement.TryGetInt32(out format))
            {
                throw new BackupRefusedException(
                    $"manifest.json format_version must be a number, got {Kind(formatElement)} {Printable(formatElement)}: not a manifest this autopack reads");
            }
        }
        catch (JsonException ex)
        {
            throw new BackupRefusedException($"manifest.json is not valid JSON: {ex.Message}", ex);
        }

        if (format > BackupLayout.FormatVersion)
        {
            throw new BackupRefusedException(
                $"backup format {format} is newer than this autopack reads ({BackupLayout.FormatVersion}); upgrade autopack to restore it");
        }

        if (format < 1)
        {
            throw new BackupRefusedException($"manifest.json has an invalid format_version {format}");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(utf8Json, BackupManifestJson.Default.BackupManifest);
        }
        catch (JsonException ex)
        {
            throw new BackupRefusedException($"manifest.json is malformed: {ex.Message}", ex);
        }

        if (manifest?.Entries is null || manifest.Host is null || manifest.AutopackVersion is null)
        {
            throw new BackupRefusedException("manifest.json is missing fields (entries, host, autopack_version)");
        }

        manifest.Validate();
        return manifest;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number out of range",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static string Printable(JsonElement element)
    {
        var text = element.GetRawText();
        text = text.Length > 40 ? text[..40] + "..." : text;
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    private void Validate()
    {
        if (SchemaVersion > DatabaseMigrator.LatestVersion)
        {
            throw new BackupRefusedException(
                $"backup has database schema {SchemaVersion}, newer than this autopack knows ({DatabaseMigrator.LatestVersion}); upgrade autopack to restore it");
        }

        if (SchemaVersion <= 0)
        {
            throw new BackupRefusedException($"manifest.json has an invalid schema_version {SchemaVersion}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Entries)
        {
            if (entry?.Path is null || entry.Sha256 is null)
            {
                throw new BackupRefusedException("manifest.json has an entry without a path or sha256");
            }

            if (BackupLayout.ProblemWithEntryName(entry.Path) is { } problem)
            {
                throw new BackupRefusedException($"manifest.json lists {problem}");
            }

            if (entry.Path == BackupLayout.ManifestEntry)
            {
                throw new BackupRefusedException("manifest.json lists itself");
            }

            if (!seen.Add(entry.Path))
            {
                throw new BackupRefusedException($"manifest.json lists '{entry.Path}' twice");
            }

            if (entry.Size < 0 || entry.Sha256.Length != 64 || !entry.Sha256.All(char.IsAsciiHexDigitLower))
            {
                throw new BackupRefusedException($"manifest.json has an invalid size or sha256 for '{entry.Path}'");
            }
        }

        if (!seen.Contains(BackupLayout.DatabaseEntry))
        {
            throw new BackupRefusedException($"manifest.json lists no {BackupLayout.DatabaseEntry}");
        }
    }
}
