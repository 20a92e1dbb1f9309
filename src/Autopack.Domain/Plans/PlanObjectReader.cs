using System.Text.Json;

namespace Autopack.Domain.Plans;

/// <summary>
/// One JSON object of a plan, read strictly: its fields must be known and given once, each value of the kind and
/// length asked for, and every string valid Unicode. Each refusal is a <see cref="PlanValidationException"/> naming
/// the field's path (<c>tiers[0].phases[1].goal</c>).
/// </summary>
internal sealed class PlanObjectReader
{
    private readonly JsonElement element;
    private readonly string path;

    public PlanObjectReader(JsonElement element, string path, HashSet<string> knownFields)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PlanValidationException(path, $"must be an object, not {Describe(element)}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var name = NameOf(property, path);
            if (!knownFields.Contains(name))
            {
                throw new PlanValidationException(PathOf(path, name), "unknown field");
            }

            // JSON allows a key twice and readers keep one of the values; a plan must not be ambiguous.
            if (!seen.Add(name))
            {
                throw new PlanValidationException(PathOf(path, name), "given more than once");
            }
        }

        this.element = element;
        this.path = path;
    }

    public string PathOf(string name) => PathOf(path, name);

    public string RequiredLine(string name, int maxLength) =>
        OptionalLine(name, maxLength) ?? throw new PlanValidationException(PathOf(name), "is required");

    /// <summary>A non-blank string on one line: a name, a path, a ref. No control characters (NUL, newline, escape).</summary>
    public string? OptionalLine(string name, int maxLength) => Optional(name, maxLength, multiline: false);

    /// <summary>A non-blank string that may span lines (a goal, a command): tabs and newlines, no other control characters.</summary>
    public string? OptionalProse(string name, int maxLength) => Optional(name, maxLength, multiline: true);

    public string? OptionalId(string name)
    {
        var id = OptionalLine(name, Identifiers.MaxLength + 1);
        if (id is not null && !Identifiers.IsSafe(id))
        {
            throw new PlanValidationException(
                PathOf(name),
                $"must be 1-{Identifiers.MaxLength} characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        return id;
    }

    /// <summary>A string that may be empty, blank or hold any character (file content); only its Unicode is checked.</summary>
    public string? OptionalContent(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? PlanText.Read(value, PathOf(name))
            : throw new PlanValidationException(PathOf(name), $"must be a string, not {Describe(value)}");
    }

    public JsonElement? OptionalObject(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object
            ? value
            : throw new PlanValidationException(PathOf(name), $"must be an object, not {Describe(value)}");
    }

    public IReadOnlyList<JsonElement>? OptionalArray(string name, int maxItems)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new PlanValidationException(PathOf(name), $"must be an array, not {Describe(value)}");
        }

        var count = value.GetArrayLength();
        return count <= maxItems
            ? value.EnumerateArray().ToList()
            : throw new PlanValidationException(PathOf(name), $"has at most {maxItems} items, got {count}");
    }

    public IReadOnlyList<JsonElement> RequiredArray(string name, int maxItems)
    {
        var items = OptionalArray(name, maxItems) ?? throw new PlanValidationException(PathOf(name), "is required");
        return items.Count > 0 ? items : throw new PlanValidationException(PathOf(name), "must not be empty");
    }

    public long? OptionalCap(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var cap))
        {
            throw new PlanValidationException(PathOf(name), $"must be a whole number, not {Describe(value)}");
        }

        return cap > 0 ? cap : throw new PlanValidationException(PathOf(name), $"must be positive, got {cap}");
    }

    public int? OptionalInt(string name, int min, int max)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new PlanValidationException(PathOf(name), $"must be a whole number, not {Describe(value)}");
        }

        return number >= min && number <= max
            ? number
            : throw new PlanValidationException(PathOf(name), $"must be between {min} and {max}, got {number}");
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    /// <summary>An item of a string array (a scope glob) with the checks of <see cref="OptionalLine"/>.</summary>
    public static string LineAt(JsonElement value, string path, int maxLength) => Checked(value, path, maxLength, multiline: false);

    private string? Optional(string name, int maxLength, bool multiline) =>
        TryGet(name, out var value) ? Checked(value, PathOf(name), maxLength, multiline) : null;

    private static string Checked(JsonElement value, string path, int maxLength, bool multiline)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PlanValidationException(path, $"must be a string, not {Describe(value)}");
        }

        var text = PlanText.Read(value, path);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PlanValidationException(path, "must not be empty");
        }

        if (text.Length > maxLength)
        {
            throw new PlanValidationException(path, $"is longer than {maxLength} characters ({text.Length})");
        }

        var bad = PlanText.IndexOfControl(text, multiline);
        return bad < 0
            ? text
            : throw new PlanValidationException(path, $"must not contain the control character U+{(int)text[bad]:X4} (at character {bad})");
    }

    private static string NameOf(JsonProperty property, string parent)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw new PlanValidationException(parent, "has a field name that is not valid Unicode (a lone surrogate such as \\ud800)");
        }
    }

    private bool TryGet(string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static string PathOf(string parent, string name) => parent == "$" ? name : $"{parent}.{name}";
}
