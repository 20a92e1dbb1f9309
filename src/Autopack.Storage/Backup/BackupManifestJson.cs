using System.Text.Json.Serialization;

namespace Autopack.Storage.Backup;

/// <summary>
/// How manifest.json is written and read: snake_case names, indented, every member written. Source-generated: the
/// reflection-based serializer cost a cold <c>autopack backup</c> about 35 ms (Reflection.Emit) before its first
/// byte was archived (docs/PERFORMANCE.md).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupManifestJson : JsonSerializerContext;
