using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Autopack.Storage.Backup;

namespace Autopack.Storage.Tests.Backup;

/// <summary>
/// manifest.json is read by people and scripts (`tar xzOf backup.tar.gz manifest.json | jq`, docs/RUNBOOK.md) and by
/// older and newer autopacks: its names, layout and escaping are a format, pinned here byte for byte.
/// </summary>
public class BackupManifestTests
{
    private static readonly BackupManifest Sample = new(
        1,
        202612101200,
        new DateTimeOffset(2026, 12, 6, 5, 0, 0, TimeSpan.FromHours(1)),
        "host\"é",
        "1.0+abc",
        [new BackupManifestEntry("autopack.db", 123, new string('a', 64)), new BackupManifestEntry("runs/run-1/x y.log", 0, new string('b', 64))]);

    [Test]
    public void ToJsonBytes_WritesSnakeCaseFieldsIndented_EveryOneOfThem()
    {
        const string expected = """
            {
              "format_version": 1,
              "schema_version": 202612101200,
              "created_at": "2026-12-06T05:00:00+01:00",
              "host": "host\u0022\u00E9",
              "autopack_version": "1.0\u002Babc",
              "entries": [
                {
                  "path": "autopack.db",
                  "size": 123,
                  "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                },
                {
                  "path": "runs/run-1/x y.log",
                  "size": 0,
                  "sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                }
              ]
            }
            """;

        Assert.That(Encoding.UTF8.GetString(Sample.ToJsonBytes()), Is.EqualTo(expected.ReplaceLineEndings("\n")));
    }

    /// <summary>The options the reflection-based serializer used before the manifest's context was source-generated.</summary>
    private static readonly JsonSerializerOptions Reflection = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The source-generated context writes what the reflection serializer wrote, and reads what it read.</summary>
    [Test]
    public void ToJsonBytes_AndParse_AgreeWithTheReflectionSerializer()
    {
        Assert.That(Sample.ToJsonBytes(), Is.EqualTo(JsonSerializer.SerializeToUtf8Bytes(Sample, Reflection)));
        var viaReflection = JsonSerializer.Deserialize<BackupManifest>(Sample.ToJsonBytes(), Reflection)!;
        var parsed = BackupManifest.Parse(Sample.ToJsonBytes());
        Assert.That(parsed with { Entries = [] }, Is.EqualTo(viaReflection with { Entries = [] }));
        Assert.That(parsed.Entries, Is.EqualTo(viaReflection.Entries));
    }

    /// <summary>A malformed manifest is refused with the reflection serializer's own message (restore prints it).</summary>
    [TestCase("""{"format_version": 1, "schema_version": "x"}""")]
    [TestCase("""{"format_version": 1, "schema_version": 1, "entries": [{"path": 3}]}""")]
    [TestCase("""{"format_version": 1, "schema_version": 1, "created_at": "yesterday"}""")]
    [TestCase("""{"format_version": 1, "schema_version": 1, "entries": {}}""")]
    public void Parse_MalformedManifest_SaysWhatTheReflectionSerializerSaid(string json)
    {
        var expected = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<BackupManifest>(Encoding.UTF8.GetBytes(json), Reflection))!.Message;

        var refused = Assert.Throws<BackupRefusedException>(() => BackupManifest.Parse(Encoding.UTF8.GetBytes(json)))!;

        Assert.That(refused.Message, Is.EqualTo($"manifest.json is malformed: {expected}"));
    }

    [Test]
    public void Parse_WhatToJsonBytesWrote_GivesTheSameManifest()
    {
        var back = BackupManifest.Parse(Sample.ToJsonBytes());

        Assert.That(back with { Entries = Sample.Entries }, Is.EqualTo(Sample));
        Assert.That(back.Entries, Is.EqualTo(Sample.Entries));
        Assert.That(back.CreatedAt.Offset, Is.EqualTo(TimeSpan.FromHours(1)));
    }
}
