using System.Text.Json;
using System.Text.Json.Nodes;

namespace Autopack.Llm.Relay;

/// <summary>Reading agents' JSON bodies field by field, each fault a <see cref="WireRequestException"/> naming the field.</summary>
internal static class WireJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    public static JsonObject ParseObject(ReadOnlySpan<byte> body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new WireRequestException("body", $"is not valid JSON ({ex.Message})");
        }

        return root as JsonObject ?? throw new WireRequestException("body", "must be a JSON object");
    }

    public static string? OptionalString(JsonObject owner, string name, string field)
    {
        var node = owner[name];
        if (node is null)
        {
            return null;
        }

        return node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw new WireRequestException(field, "must be a string");
    }

    public static string RequiredString(JsonObject owner, string name, string field) =>
        OptionalString(owner, name, field) ?? throw new WireRequestException(field, "is required");

    public static bool OptionalBool(JsonObject owner, string name, string field)
    {
        var node = owner[name];
        if (node is null)
        {
            return false;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new WireRequestException(field, "must be a boolean"),
        };
    }

    /// <summary>A positive integer (capped at int.MaxValue), or null when absent or JSON null.</summary>
    public static int? OptionalPositiveInt(JsonObject owner, string name, string field)
    {
        var node = owner[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<decimal>(out var number)
            && number == decimal.Truncate(number) && number > 0)
        {
            return number > int.MaxValue ? int.MaxValue : (int)number;
        }

        throw new WireRequestException(field, "must be a positive integer");
    }

    public static JsonArray? OptionalArray(JsonObject owner, string name, string field)
    {
        var node = owner[name];
        return node switch
        {
            null => null,
            JsonArray array => array,
            _ => throw new WireRequestException(field, "must be an array"),
        };
    }

    public static JsonObject ObjectAt(JsonArray array, int index, string field) =>
        array[index] as JsonObject ?? throw new WireRequestException($"{field}[{index}]", "must be an object");

    /// <summary>A JSON value as an element (a tool's schema), or an empty object when absent.</summary>
    public static JsonElement Element(JsonNode? node)
    {
        if (node is null)
        {
            return EmptyObject;
        }

        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>A tool call's arguments (a JSON object) as Microsoft.Extensions.AI's dictionary; null when they are not an object.</summary>
    public static Dictionary<string, object?>? Arguments(JsonNode? node)
    {
        if (node is not JsonObject arguments)
        {
            return null;
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in arguments)
        {
            result[name] = Element(value);
        }

        return result;
    }

    /// <summary>A tool call's arguments sent as a JSON string (chat completions), parsed; null when not an object.</summary>
    public static Dictionary<string, object?>? ArgumentsFromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        try
        {
            return Arguments(JsonNode.Parse(text, documentOptions: DocumentOptions));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The model a reply names, if any.</summary>
    public static string? ModelOf(JsonElement reply) =>
        reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString() : null;

    /// <summary>A whole, non-negative number a usage object holds under <paramref name="name"/>, or null.</summary>
    public static long? NonNegative(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : null;
}
