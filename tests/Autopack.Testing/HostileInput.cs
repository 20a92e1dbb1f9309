using Autopack.Domain.Plans;

namespace Autopack.Testing;

/// <summary>One generated input for a fuzz test: which generator made it (for the report) and its bytes.</summary>
public sealed record HostileInput(int Index, string Kind, byte[] Bytes)
{
    /// <summary>What the plan parser says of these bytes (null: a plan it accepts); any other exception propagates.</summary>
    public PlanValidationException? ParserRefusal()
    {
        try
        {
            PlanParser.Parse(Bytes);
            return null;
        }
        catch (PlanValidationException ex)
        {
            return ex;
        }
    }

    public override string ToString()
    {
        var preview = System.Text.Encoding.UTF8.GetString(Bytes, 0, Math.Min(Bytes.Length, 160)).ReplaceLineEndings(" ");
        return $"input #{Index} ({Kind}, {Bytes.Length} bytes): {preview}";
    }
}
