using System.Text;
using System.Text.Json.Nodes;
using Autopack.Domain.Plans;

namespace Autopack.Testing;

/// <summary>
/// Seeded inputs for fuzzing the plan readers (POST /runs, <c>autopack runs create --file</c>): valid plans made with
/// <see cref="PlanBuilder"/> and then broken (flipped bytes, cuts, invalid UTF-8, lone surrogates, deep nesting, huge
/// numbers, wrong types, duplicate keys, unknown fields, control characters, oversized strings), and random bytes.
/// The same seed gives the same inputs, so a failure printed with its seed can be replayed.
/// </summary>
public sealed class HostileInputs(int seed)
{
    private const string Marker = "ZZFUZZMARKZZ";
    private static readonly string[] StringFields = ["goal", "name", "phase_name", "category", "verify", "provider", "path", "repository", "base"];
    private static readonly byte[][] BadUtf8 = [[0xC3, 0x28], [0xED, 0xA0, 0x80], [0xFF], [0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]];
    private static readonly string[] Surrogates = ["\\ud800", "\\udfff", "\\udc00\\ud800", "x\\udbff", "\\ud83d"];

    private readonly Random random = new(seed);

    public int Seed { get; } = seed;

    public IEnumerable<HostileInput> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (kind, bytes) = Next();
            yield return new HostileInput(i, kind, bytes);
        }
    }

    private (string Kind, byte[] Bytes) Next() => random.Next(13) switch
    {
        0 => ("random bytes", RandomBytes()),
        1 => ("flipped bytes", Flip(Utf8(ValidPlan().ToJsonString()))),
        2 => ("truncated", Truncate(Utf8(ValidPlan().ToJsonString()))),
        3 => ("invalid UTF-8", Splice(ValidPlan(), random.GetItems(BadUtf8, 1)[0])),
        4 => ("lone surrogate", Utf8(Marked(ValidPlan(), random.GetItems(Surrogates, 1)[0]))),
        5 => ("deep nesting", Utf8(Marked(ValidPlan(), Nesting(random.Next(PlanLimits.MaxDepth, 3000)), asValue: true))),
        6 => ("huge number", Utf8(Replaced(ValidPlan(), ["token_cap", "max_attempts", "max_turns", "verify_timeout_seconds"], HugeNumber()))),
        7 => ("wrong type", Utf8(Replaced(ValidPlan(), [.. StringFields, "tiers", "phases", "scope", "offline_edits", "workspace"], WrongType()))),
        8 => ("duplicate key", Utf8(Duplicated(ValidPlan().ToJsonString()))),
        9 => ("unknown field", Utf8(Unknown(ValidPlan()))),
        10 => ("control character", Utf8(Replaced(ValidPlan(), StringFields, "a" + (char)random.Next(0, 32) + "b"))),
        11 => ("oversized string", Utf8(Replaced(ValidPlan(), StringFields, new string('x', OversizedLength())))),
        _ => ("hostile workspace", Utf8(Workspace(ValidPlan()))),
    };

    private JsonObject ValidPlan()
    {
        var builder = new PlanBuilder(random.Next(2) == 0 ? null : $"fuzz-{random.Next(1_000_000)}", random.Next(2) == 0 ? null : random.Next(1, 1_000_000));
        for (var p = random.Next(1, 4); p > 0; p--)
        {
            if (random.Next(3) == 0)
            {
                builder.Tier($"tier-{p}");
            }

            builder.Phase(
                cap: random.Next(2) == 0 ? null : random.Next(1, 100_000),
                category: random.Next(2) == 0 ? null : "implementation",
                verify: random.Next(2) == 0 ? null : "true",
                edits: random.Next(2) == 0 ? null : [new OfflineEdit("a.txt", Content: "hello")],
                scope: random.Next(2) == 0 ? null : ["src/**"]);
        }

        return PlanJson.ToNode(builder.Build());
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[random.Next(0, 512)];
        random.NextBytes(bytes);
        if (bytes.Length > 0 && random.Next(2) == 0)
        {
            bytes[0] = (byte)'{';
        }

        return bytes;
    }

    private byte[] Flip(byte[] bytes)
    {
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return bytes;
    }

    private byte[] Truncate(byte[] bytes) => bytes[..random.Next(bytes.Length)];

    private byte[] Splice(JsonObject plan, byte[] bad)
    {
        var parts = Replaced(plan, StringFields, Marker).Split(Marker);
        return [.. Utf8(parts[0]), .. bad, .. Utf8(parts[1])];
    }

    /// <summary>The plan's text with one string field's value (or, with <paramref name="asValue"/>, the whole value) replaced by raw JSON text.</summary>
    private string Marked(JsonObject plan, string rawText, bool asValue = false)
    {
        var text = Replaced(plan, StringFields, Marker);
        return asValue ? text.Replace($"\"{Marker}\"", rawText, StringComparison.Ordinal) : text.Replace(Marker, rawText, StringComparison.Ordinal);
    }

    private string Replaced(JsonObject plan, string[] fields, JsonNode? value)
    {
        var objects = Objects(plan).ToList();
        var candidates = objects.SelectMany(o => fields.Where(o.ContainsKey).Select(f => (o, f))).ToList();
        if (candidates.Count == 0)
        {
            objects[0]["goal"] = value;
        }
        else
        {
            var (target, field) = candidates[random.Next(candidates.Count)];
            target[field] = value;
        }

        return plan.ToJsonString();
    }

    private static IEnumerable<JsonObject> Objects(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            yield return obj;
        }

        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>().SelectMany(Objects))
        {
            yield return child;
        }
    }

    private string Nesting(int depth) => random.Next(2) == 0
        ? new string('[', depth) + new string(']', depth)
        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private JsonNode HugeNumber() => random.Next(6) switch
    {
        0 => JsonNode.Parse("1e400")!,
        1 => JsonNode.Parse("99999999999999999999999999")!,
        2 => JsonNode.Parse("-1")!,
        3 => JsonNode.Parse("1.5")!,
        4 => JsonNode.Parse("-9223372036854775809")!,
        _ => JsonNode.Parse("1e-400")!,
    };

    private JsonNode? WrongType() => random.Next(6) switch
    {
        0 => 42,
        1 => true,
        2 => new JsonArray(1, 2),
        3 => new JsonObject { ["x"] = 1 },
        4 => "text",
        _ => null,
    };

    private string Duplicated(string text) => random.Next(2) == 0
        ? "{\"goal\": \"first\", " + text[1..]
        : text.Replace("\"phase_name\":", "\"phase_name\":\"dup\",\"phase_name\":", StringComparison.Ordinal);

    private string Unknown(JsonObject plan)
    {
        var objects = Objects(plan).ToList();
        objects[random.Next(objects.Count)][random.Next(2) == 0 ? "colour" : "Goal"] = 1;
        return plan.ToJsonString();
    }

    /// <summary>Mostly just past a field's limit; now and then past the document's, which costs a megabyte.</summary>
    private int OversizedLength() => random.Next(50) == 0
        ? PlanLimits.MaxDocumentBytes + random.Next(1, 1000)
        : PlanLimits.MaxGoalLength + random.Next(1, 2000);

    private string Workspace(JsonObject plan)
    {
        string[] repositories = ["/nonexistent/repo", "/dev/zero", "/proc", "relative/none", "~", "-rf", "--upload-pack=touch x", "\u00e9\u6f22\ud83d\ude00", new string('r', 4000), ".."];
        plan["workspace"] = new JsonObject { ["repository"] = random.GetItems(repositories, 1)[0], ["base"] = random.Next(2) == 0 ? null : "--output=/tmp/x" };
        return plan.ToJsonString();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
