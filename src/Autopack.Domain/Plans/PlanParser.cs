using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Autopack.Domain.Plans;

/// <summary>
/// Reads a plan from JSON, strictly: the bytes (size, UTF-8, nesting) here, the fields by System.Text.Json into
/// <see cref="RunPlan"/> (<see cref="PlanJsonContext"/>: unknown and repeated fields, wrong types and missing
/// required fields refused, named from <see cref="JsonException.Path"/> by <see cref="PlanJsonErrors"/>), and what
/// the values may be by <see cref="PlanRules"/>. Every refusal is a <see cref="PlanValidationException"/> naming the
/// field. <c>POST /runs</c> and <c>autopack runs create</c> both hand it the document's bytes, so both refuse the
/// same plans with the same words.
/// </summary>
public static class PlanParser
{
    public const int DefaultMaxAttempts = PhasePlan.DefaultMaxAttempts;

    /// <summary>The field name of the document as a whole.</summary>
    public const string DocumentField = "$";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Why a document past <see cref="PlanLimits.MaxDocumentBytes"/> is refused, in the words every transport uses.</summary>
    public static string TooLargeReason => $"larger than the limit of {PlanLimits.MaxDocumentBytes} bytes";

    /// <summary>A plan given as text (tests, tools); it is read as the UTF-8 bytes a file or a request body would hold.</summary>
    public static RunPlan Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException)
        {
            throw new PlanValidationException(DocumentField, "not valid Unicode (a lone surrogate)");
        }

        return Parse(utf8);
    }

    /// <summary>
    /// The plan document as it arrived: at most <see cref="PlanLimits.MaxDocumentBytes"/> of UTF-8 (a leading byte
    /// order mark is skipped), one JSON object nested at most <see cref="PlanLimits.MaxDepth"/> deep.
    /// </summary>
    public static RunPlan Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Length > PlanLimits.MaxDocumentBytes)
        {
            throw new PlanValidationException(DocumentField, TooLargeReason);
        }

        var bytes = utf8Json.Span.StartsWith(Encoding.UTF8.Preamble) ? utf8Json.Span[Encoding.UTF8.Preamble.Length..] : utf8Json.Span;
        if (!Utf8.IsValid(bytes))
        {
            throw new PlanValidationException(DocumentField, $"not valid UTF-8 (first bad byte at offset {FirstInvalidByte(bytes)})");
        }

        if (bytes.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            throw new PlanValidationException(DocumentField, "the plan is empty; send a JSON object (see examples/demo-plan.json)");
        }

        EnsureWellFormed(bytes);
        RunPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize(bytes, PlanJsonContext.Default.RunPlan);
        }
        catch (JsonException ex)
        {
            throw PlanJsonErrors.Describe(ex, bytes, PlanJsonContext.Default.RunPlan);
        }

        PlanRules.Check(plan ?? throw new PlanValidationException(DocumentField, "must be an object, not null"));
        return plan;
    }

    /// <summary>
    /// The whole document is one JSON value nested at most <see cref="PlanLimits.MaxDepth"/> deep before any field is
    /// read, so a syntax error or deep nesting anywhere names the document, not the field the reader had reached.
    /// </summary>
    private static void EnsureWellFormed(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = PlanLimits.MaxDepth });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw new PlanValidationException(DocumentField, $"not valid JSON ({ex.Message})");
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        Utf8.ToUtf16(bytes, chars, out var read, out _, replaceInvalidSequences: false);
        return read;
    }
}
