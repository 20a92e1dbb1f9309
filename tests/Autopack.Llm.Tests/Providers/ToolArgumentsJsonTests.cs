using System.Text.Json;
using Autopack.Llm.Providers;
using Microsoft.Extensions.AI;

namespace Autopack.Llm.Tests.Providers;

public sealed class ToolArgumentsJsonTests
{
    private static IEnumerable<TestCaseData> Arguments()
    {
        yield return new TestCaseData(new Dictionary<string, object?>()).SetName("ToJson_NoArguments_SameAsTheSerializer");
        yield return new TestCaseData(new Dictionary<string, object?> { ["path"] = "src/<a>&'b'.cs", ["content"] = "é\n\t\"x\" 日本" })
            .SetName("ToJson_StringsNeedingEscapes_SameAsTheSerializer");
        yield return new TestCaseData(new Dictionary<string, object?> { ["n"] = 3, ["big"] = 1L << 40, ["yes"] = true, ["none"] = null, ["d"] = 1.5 })
            .SetName("ToJson_NumbersBooleansNullsAndOtherValues_SameAsTheSerializer");
        yield return new TestCaseData(new Dictionary<string, object?> { ["json"] = JsonDocument.Parse("""{"a":[1,"x",null,{"b":false}]}""").RootElement })
            .SetName("ToJson_JsonElementValues_SameAsTheSerializer");
    }

    [TestCaseSource(nameof(Arguments))]
    public void ToJson_Arguments_WritesWhatTheSerializerWrites(Dictionary<string, object?> arguments) =>
        Assert.That(ToolArgumentsJson.ToJson(arguments), Is.EqualTo(JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions)));

    [Test]
    public void ToJson_Null_IsAnEmptyObject() =>
        Assert.That(ToolArgumentsJson.ToJson(null), Is.EqualTo("{}"));
}
