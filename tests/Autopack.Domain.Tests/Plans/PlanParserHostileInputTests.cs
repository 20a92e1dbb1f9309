using System.Text.Json;
using Autopack.Domain.Plans;

namespace Autopack.Domain.Tests.Plans;

/// <summary>Input written to break the reader rather than to describe a run: every one is refused naming a field.</summary>
public class PlanParserHostileInputTests
{
    private const string OnePhase = """{ "phase_name": "p" }""";

    private static IEnumerable<TestCaseData> HostilePlans()
    {
        static TestCaseData Case(string name, string json, string field) =>
            new TestCaseData(json, field).SetName($"Parse_{name}_ThrowsNaming({field})");

        yield return Case("LoneHighSurrogateInGoal", $$"""{ "goal": "\ud800", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "goal");
        yield return Case("LoneLowSurrogateInPhaseName", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a\udc00b" } ] } ] }""", "tiers[0].phases[0].phase_name");
        yield return Case("ReversedSurrogatePairInRunId", $$"""{ "run_id": "\udc00\ud800", "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("LoneSurrogateInScope", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": [ "src/\ud800" ] } ] } ] }""", "tiers[0].phases[0].scope[0]");
        yield return Case("LoneSurrogateInEditContent", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "a", "content": "\ud800" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0].content");
        yield return Case("LoneSurrogateInFieldName", $$"""{ "goal": "g", "\ud800": 1, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "$");
        yield return Case("LoneSurrogateInPhaseFieldName", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "x\udfff": 1 } ] } ] }""", "tiers[0].phases[0]");
        yield return Case("NulInRepository", $$"""{ "goal": "g", "workspace": { "repository": "a\u0000b" }, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "workspace.repository");
        yield return Case("NulInVerify", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "verify": "true\u0000" } ] } ] }""", "tiers[0].phases[0].verify");
        yield return Case("NewlineInTierName", $$"""{ "goal": "g", "tiers": [ { "name": "a\nb", "phases": [ {{OnePhase}} ] } ] }""", "tiers[0].name");
        yield return Case("NulInEditPath", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "a\u0000", "content": "" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0].path");
        yield return Case("GoalOverLimit", $$"""{ "goal": "{{new string('g', PlanLimits.MaxGoalLength + 1)}}", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "goal");
        yield return Case("PhaseGoalOverLimit", $$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "goal": "{{new string('g', PlanLimits.MaxGoalLength + 1)}}" } ] } ] }""", "tiers[0].phases[0].goal");
        yield return Case("PhaseNameOverLimit", $$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "{{new string('n', PlanLimits.MaxNameLength + 1)}}" } ] } ] }""", "tiers[0].phases[0].phase_name");
        yield return Case("VerifyOverLimit", $$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "verify": "{{new string('v', PlanLimits.MaxCommandLength + 1)}}" } ] } ] }""", "tiers[0].phases[0].verify");
        yield return Case("RepositoryOverLimit", $$"""{ "goal": "g", "workspace": { "repository": "{{new string('r', PlanLimits.MaxPathLength + 1)}}" }, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "workspace.repository");
        yield return Case("NestedTooDeep", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": [[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]] } ] } ] }""", "$");
        yield return Case("NumberBeyondDouble", $$"""{ "goal": "g", "token_cap": 1e400, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "token_cap");
        yield return Case("NegativeZeroAttempts", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_attempts": -0 } ] } ] }""", "tiers[0].phases[0].max_attempts");
    }

    [TestCaseSource(nameof(HostilePlans))]
    public void Parse_HostilePlan_ThrowsNamingField(string json, string field)
    {
        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse(json));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Field, Is.EqualTo(field));
            Assert.That(ex.Message, Does.StartWith(field + ": "));
            Assert.That(ex.Message, Does.Not.Contain('\n'), "the CLI prints it as one line");
            Assert.That(ex.Message, Has.Length.LessThan(400), "the reason, not the value, is repeated");
        });
    }

    [TestCase(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' }, TestName = "Parse_TruncatedTwoByteSequence_ThrowsNamingDocument")]
    [TestCase(new byte[] { (byte)'{', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}' }, TestName = "Parse_EncodedSurrogate_ThrowsNamingDocument")]
    [TestCase(new byte[] { 0xFF, 0xFE, (byte)'{', 0, (byte)'}', 0 }, TestName = "Parse_Utf16Document_ThrowsNamingDocument")]
    [TestCase(new byte[] { (byte)'{', 0xC0, 0xAF, (byte)'}' }, TestName = "Parse_OverlongEncoding_ThrowsNamingDocument")]
    public void Parse_InvalidUtf8_ThrowsNamingDocument(byte[] bytes)
    {
        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse(bytes));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Field, Is.EqualTo(PlanParser.DocumentField));
            Assert.That(ex.Reason, Does.StartWith("not valid UTF-8"));
        });
    }

    [Test]
    public void Parse_StringWithUnpairedSurrogateChar_ThrowsNamingDocument()
    {
        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse("{ \"goal\": \"\ud800\" }"));

        Assert.That(ex!.Field, Is.EqualTo(PlanParser.DocumentField));
    }

    [Test]
    public void Parse_DocumentOverLimit_ThrowsNamingDocumentBeforeReadingIt()
    {
        var bytes = new byte[PlanLimits.MaxDocumentBytes + 1];
        Array.Fill(bytes, (byte)' ');

        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse(bytes));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Field, Is.EqualTo(PlanParser.DocumentField));
            Assert.That(ex.Reason, Is.EqualTo(PlanParser.TooLargeReason));
        });
    }

    [Test]
    public void Parse_ByteOrderMarkThenPlan_IsRead()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes($$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""")).ToArray();

        Assert.That(PlanParser.Parse(bytes).Goal, Is.EqualTo("g"));
    }

    [Test]
    public void Parse_LongestAllowedFieldsAndMultilineGoal_AreRead()
    {
        const string Lines = "line one\n\tline two\r\n";
        var goal = Lines + new string('g', PlanLimits.MaxGoalLength - Lines.Length);
        var name = new string('n', PlanLimits.MaxNameLength);

        var plan = PlanParser.Parse($$"""{ "goal": {{JsonSerializer.Serialize(goal)}}, "tiers": [ { "name": "{{name}}", "phases": [ { "phase_name": "{{name}}", "verify": "a &&\n b" } ] } ] }""");

        Assert.Multiple(() =>
        {
            Assert.That(plan.Goal, Is.EqualTo(goal));
            Assert.That(plan.Tiers[0].Name, Is.EqualTo(name));
            Assert.That(plan.AllPhases().Single().Verify, Is.EqualTo("a &&\n b"));
        });
    }
}
