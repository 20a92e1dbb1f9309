using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Providers;

/// <summary>
/// A tool call's arguments as JSON, written with <see cref="Utf8JsonWriter"/>: what <see cref="JsonSerializer"/>
/// with <see cref="AIJsonUtilities.DefaultOptions"/> writes for them (indented, so a count of it is a little above
/// the compact form the SDKs send), without
/// the serializer's cold start (tens of milliseconds of metadata for a process's first call; ADR-034).
/// JSON values are written as they are; strings, booleans and integers as such; anything else by the serializer.
/// </summary>
public static class ToolArgumentsJson
{
    public static string ToJson(IDictionary<string, object?>? arguments)
    {
        using var buffer = new MemoryStream();
        var options = AIJsonUtilities.DefaultOptions;
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented }))
        {
            Write(json, arguments ?? new Dictionary<string, object?>());
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes <paramref name="arguments"/> as one JSON object (null as JSON null).</summary>
    public static void Write(Utf8JsonWriter json, IDictionary<string, object?>? arguments)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (arguments is null)
        {
            json.WriteNullValue();
            return;
        }

        json.WriteStartObject();
        foreach (var (name, value) in arguments)
        {
            json.WritePropertyName(name);
            switch (value)
            {
                case null:
                    json.WriteNullValue();
                    break;
                case JsonElement element:
                    element.WriteTo(json);
                    break;
                case string text:
                    json.WriteStringValue(text);
                    break;
                case bool flag:
                    json.WriteBooleanValue(flag);
                    break;
                case int number:
                    json.WriteNumberValue(number);
                    break;
                case long number:
                    json.WriteNumberValue(number);
                    break;
                default:
                    JsonSerializer.Serialize(json, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
                    break;
            }
        }

        json.WriteEndObject();
    }
}
