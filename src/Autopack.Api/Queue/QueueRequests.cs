using System.Text.Json;
using Autopack.Storage.Queue;

namespace Autopack.Api.Queue;

/// <summary>
/// Reads the bodies of PATCH /queue (<c>{"dispatch": false, "executing_limit": 4}</c>, either field optional,
/// <c>"executing_limit": null</c> removing the limit) and POST /admin/mode (<c>{"mode": "DRAINING"}</c>). Strict: an
/// unknown or repeated field, a wrong type or an out-of-range value is refused naming the field, before anything is stored.
/// </summary>
public static class QueueRequests
{
    public const string Dispatch = "dispatch";
    public const string ExecutingLimit = "executing_limit";
    public const string Mode = "mode";

    /// <exception cref="QueueRequestException">the body is not a change of the queue's settings.</exception>
    /// <exception cref="JsonException">the body is not JSON.</exception>
    public static QueueChange ParsePatch(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        bool? dispatch = null;
        var changeLimit = false;
        int? limit = null;
        foreach (var property in Properties(document, [Dispatch, ExecutingLimit]))
        {
            if (property.Name == Dispatch)
            {
                dispatch = property.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new QueueRequestException(Dispatch, $"must be true or false, got {Describe(property.Value)}"),
                };
            }
            else
            {
                changeLimit = true;
                limit = ReadLimit(property.Value);
            }
        }

        var change = new QueueChange(Dispatch: dispatch, ChangeLimit: changeLimit, ExecutingLimit: limit);
        return change.IsEmpty
            ? throw new QueueRequestException("body", $"names no setting to change ({Dispatch}, {ExecutingLimit})")
            : change;
    }

    /// <exception cref="QueueRequestException">the body does not name a mode.</exception>
    /// <exception cref="JsonException">the body is not JSON.</exception>
    public static QueueMode ParseMode(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var properties = Properties(document, [Mode]).ToList();
        if (properties.Count == 0)
        {
            throw new QueueRequestException(Mode, "is required (NORMAL or DRAINING)");
        }

        var value = properties[0].Value;
        return value.ValueKind == JsonValueKind.String && QueueModes.TryParse(value.GetString(), out var mode)
            ? mode
            : throw new QueueRequestException(Mode, $"must be {string.Join(" or ", QueueModes.Names)}, got {Describe(value)}");
    }

    private static int? ReadLimit(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var limit))
        {
            throw new QueueRequestException(ExecutingLimit, $"must be a whole number or null (no limit), got {Describe(value)}");
        }

        return QueueChange.LimitProblem(limit) is { } problem ? throw new QueueRequestException(ExecutingLimit, problem) : (int)limit;
    }

    private static List<JsonProperty> Properties(JsonDocument document, string[] known)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new QueueRequestException("body", $"must be a JSON object, got {Describe(document.RootElement)}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var properties = new List<JsonProperty>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new QueueRequestException(Clip(property.Name), $"is not a field here ({string.Join(", ", known)})");
            }

            if (!seen.Add(property.Name))
            {
                throw new QueueRequestException(property.Name, "appears more than once");
            }

            properties.Add(property);
        }

        return properties;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Clip(value.GetString() ?? string.Empty)}\"",
        JsonValueKind.Number => $"{Clip(value.GetRawText())}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    // A field name or value echoed in an answer is cut short: the body may be up to a MiB.
    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
