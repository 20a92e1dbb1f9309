using System.Globalization;
using System.Text.Json;

namespace Autopack.Workspace.Tools;

/// <summary>Reads a tool call's arguments whatever form the caller has them in: JsonElement (chat SDKs),
/// string, bool or a number.</summary>
internal sealed class ToolArguments(IReadOnlyDictionary<string, object?>? values)
{
    public string RequiredString(string name) =>
        OptionalString(name) ?? throw new ToolArgumentException($"missing required argument '{name}' (a string)");

    public string? OptionalString(string name)
    {
        var value = Get(name);
        return value switch
        {
            null => null,
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            _ => throw new ToolArgumentException($"argument '{name}' must be a string, not {Describe(value)}"),
        };
    }

    public int? OptionalInt(string name)
    {
        var value = Get(name);
        long? number = value switch
        {
            null => null,
            int i => i,
            long l => l,
            short s => s,
            double d when double.IsInteger(d) && Math.Abs(d) < long.MaxValue => (long)d,
            float f when float.IsInteger(f) => (long)f,
            decimal m when decimal.IsInteger(m) => (long)m,
            string text when long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.Number } element when element.TryGetInt64(out var parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.Number } element when element.TryGetDouble(out var d) && double.IsInteger(d) => (long)d,
            JsonElement { ValueKind: JsonValueKind.String } element when long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw new ToolArgumentException($"argument '{name}' must be an integer, not {Describe(value)}"),
        };
        return number is null ? null : (int)Math.Clamp(number.Value, int.MinValue, int.MaxValue);
    }

    private object? Get(string name)
    {
        if (values is null || !values.TryGetValue(name, out var value))
        {
            return null;
        }

        return value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } ? null : value;
    }

    private static string Describe(object value) => value switch
    {
        JsonElement element => element.ValueKind switch
        {
            JsonValueKind.Number => $"the number {element.GetRawText()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => $"a JSON {element.ValueKind.ToString().ToLowerInvariant()}",
        },
        bool flag => $"the boolean {(flag ? "true" : "false")}",
        string text => $"the string \"{text}\"",
        _ when value.GetType().IsPrimitive || value is decimal => $"the number {Convert.ToString(value, CultureInfo.InvariantCulture)}",
        _ => $"a {value.GetType().Name}",
    };
}
