using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Autopack.Domain.Plans;

/// <summary>
/// Turns System.Text.Json's refusal of a plan into the field it names and the words a plan's author reads. The
/// serializer says where (<see cref="JsonException.Path"/>, e.g. <c>$.tiers[0].phases[1].token_cap</c>); what went
/// wrong there is read off the document at that path against the plan's own JSON contract: a field the type lacks,
/// a value of the wrong kind, a string or field name that is not valid Unicode, a required field missing, a field
/// given twice. Only called on the error path, so the document is parsed a second time only for a refused plan.
/// </summary>
internal static class PlanJsonErrors
{
    private const string LoneSurrogate = "(a lone surrogate such as \\ud800)";

    public static PlanValidationException Describe(JsonException exception, ReadOnlySpan<byte> utf8Json, JsonTypeInfo root)
    {
        using var document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = PlanLimits.MaxDepth });
        var element = document.RootElement;
        var type = root;
        var field = PlanParser.DocumentField;
        var repeated = false;
        foreach (var segment in Segments(exception.Path))
        {
            if (segment is int index)
            {
                field += $"[{index}]";
                element = element[index];
                type = type.Options.GetTypeInfo(type.ElementType!);
                continue;
            }

            var name = (string)segment;
            field = field == PlanParser.DocumentField ? name : $"{field}.{name}";
            var property = type.Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return new PlanValidationException(field, "unknown field");
            }

            // The serializer reads a field's first occurrence, then refuses a second one when it meets it.
            var occurrences = element.EnumerateObject().Where(p => p.NameEquals(name)).ToList();
            repeated = occurrences.Count > 1;
            element = occurrences[0].Value;
            type = type.Options.GetTypeInfo(property.PropertyType);
        }

        return Refusal(field, element, type, repeated)
            ?? new PlanValidationException(field, $"not valid JSON ({exception.Message.ReplaceLineEndings(" ")})");
    }

    private static PlanValidationException? Refusal(string field, JsonElement element, JsonTypeInfo type, bool repeated)
    {
        if (element.ValueKind == JsonValueKind.Object && !element.EnumerateObject().All(p => IsValidUnicode(() => p.Name)))
        {
            return new PlanValidationException(field, $"has a field name that is not valid Unicode {LoneSurrogate}");
        }

        if (!Fits(element, type))
        {
            return new PlanValidationException(field, $"must be {Expected(type)}, not {Describe(element)}");
        }

        if (element.ValueKind == JsonValueKind.String && !IsValidUnicode(element.GetString))
        {
            return new PlanValidationException(field, $"is not valid Unicode {LoneSurrogate}");
        }

        if (type.Kind == JsonTypeInfoKind.Object && element.ValueKind == JsonValueKind.Object
            && type.Properties.FirstOrDefault(p => p.IsRequired && !element.TryGetProperty(p.Name, out _)) is { } missing)
        {
            return new PlanValidationException(field == PlanParser.DocumentField ? missing.Name : $"{field}.{missing.Name}", "is required");
        }

        return repeated ? new PlanValidationException(field, "given more than once") : null;
    }

    /// <summary>Whether the serializer takes this value for this type (a null only where the member may be null).</summary>
    private static bool Fits(JsonElement element, JsonTypeInfo type)
    {
        var underlying = Nullable.GetUnderlyingType(type.Type);
        return element.ValueKind switch
        {
            JsonValueKind.Null => !type.Type.IsValueType || underlying is not null,
            JsonValueKind.Object => type.Kind == JsonTypeInfoKind.Object,
            JsonValueKind.Array => type.Kind == JsonTypeInfoKind.Enumerable,
            JsonValueKind.String => type.Type == typeof(string),
            JsonValueKind.Number => (underlying ?? type.Type) switch
            {
                var t when t == typeof(int) => element.TryGetInt32(out _),
                var t when t == typeof(long) => element.TryGetInt64(out _),
                _ => false,
            },
            _ => false,
        };
    }

    private static string Expected(JsonTypeInfo type) => type.Kind switch
    {
        JsonTypeInfoKind.Object => "an object",
        JsonTypeInfoKind.Enumerable => "an array",
        _ when type.Type == typeof(string) => "a string",
        _ => "a whole number",
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    // JSON's \ud800 escape can name half a surrogate pair, which no UTF-16 or UTF-8 text holds: reading it throws.
    private static bool IsValidUnicode(Func<string?> read)
    {
        try
        {
            _ = read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The steps of a serializer path: <c>$.tiers[0]['odd.name']</c> is "tiers", 0, "odd.name".</summary>
    private static IEnumerable<object> Segments(string? path)
    {
        var text = path ?? PlanParser.DocumentField;
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var end = text.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? text.Length : end;
                yield return text[(i + 1)..end];
                i = end;
            }
            else if (text.AsSpan(i).StartsWith("['", StringComparison.Ordinal))
            {
                var end = text.IndexOf("']", i + 2, StringComparison.Ordinal);
                yield return text[(i + 2)..end];
                i = end + 2;
            }
            else
            {
                var end = text.IndexOf(']', i);
                yield return int.Parse(text.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture);
                i = end + 1;
            }
        }
    }
}
