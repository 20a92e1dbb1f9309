using Autopack.Domain.Plans;
using Autopack.Testing;

namespace Autopack.Domain.Tests.Plans;

public class PlanParserTests
{
    private const string OnePhase = """{ "phase_id": "p1", "phase_name": "scaffold" }""";

    private static IEnumerable<TestCaseData> MalformedPlans()
    {
        static TestCaseData Case(string name, string json, string field) =>
            new TestCaseData(json, field).SetName($"Parse_{name}_ThrowsNaming({field})");

        yield return Case("MissingTiers", """{ "goal": "g" }""", "tiers");
        yield return Case("NullTiers", """{ "goal": "g", "tiers": null }""", "tiers");
        yield return Case("EmptyTiers", """{ "goal": "g", "tiers": [] }""", "tiers");
        yield return Case("TiersAsObject", """{ "goal": "g", "tiers": { "name": "t", "phases": [] } }""", "tiers");
        yield return Case("TierNotAnObject", """{ "goal": "g", "tiers": [ "foundation" ] }""", "tiers[0]");
        yield return Case("TierWithoutPhases", """{ "goal": "g", "tiers": [ { "name": "t" } ] }""", "tiers[0].phases");
        yield return Case("TierWithEmptyPhases", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [] } ] }""", "tiers[0].phases");
        yield return Case("SecondTierEmptyPhases", $$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] }, { "name": "u", "phases": [] } ] }""", "tiers[1].phases");
        yield return Case("TierWithoutName", $$"""{ "goal": "g", "tiers": [ { "phases": [ {{OnePhase}} ] } ] }""", "tiers[0].name");
        yield return Case("MissingGoal", $$"""{ "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "goal");
        yield return Case("BlankGoal", $$"""{ "goal": "  ", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "goal");
        yield return Case("NegativeRunCap", $$"""{ "goal": "g", "token_cap": -1, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "token_cap");
        yield return Case("ZeroRunCap", $$"""{ "goal": "g", "token_cap": 0, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "token_cap");
        yield return Case("FractionalRunCap", $$"""{ "goal": "g", "token_cap": 1000.5, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "token_cap");
        yield return Case("HugeRunCap", $$"""{ "goal": "g", "token_cap": 1e30, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "token_cap");
        yield return Case("NegativePhaseCap", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" }, { "phase_name": "b", "token_cap": -5 } ] } ] }""", "tiers[0].phases[1].token_cap");
        yield return Case("ZeroPhaseCap", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "token_cap": 0 } ] } ] }""", "tiers[0].phases[0].token_cap");
        yield return Case("PhaseCapAsString", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "token_cap": "40000" } ] } ] }""", "tiers[0].phases[0].token_cap");
        yield return Case("RunCapAsString", $$"""{ "goal": "g", "token_cap": "200000", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "token_cap");
        yield return Case("MaxAttemptsFractional", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_attempts": 1.5 } ] } ] }""", "tiers[0].phases[0].max_attempts");
        yield return Case("MaxAttemptsZero", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_attempts": 0 } ] } ] }""", "tiers[0].phases[0].max_attempts");
        yield return Case("MaxAttemptsAsString", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_attempts": "3" } ] } ] }""", "tiers[0].phases[0].max_attempts");
        yield return Case("PhaseNameAsNumber", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": 7 } ] } ] }""", "tiers[0].phases[0].phase_name");
        yield return Case("MissingPhaseName", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "p1" } ] } ] }""", "tiers[0].phases[0].phase_name");
        yield return Case("DuplicatePhaseIdInTier", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "p1", "phase_name": "a" }, { "phase_id": "p1", "phase_name": "b" } ] } ] }""", "tiers[0].phases[1].phase_id");
        yield return Case("DuplicatePhaseIdAcrossTiers", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "p1", "phase_name": "a" } ] }, { "name": "u", "phases": [ { "phase_name": "b" }, { "phase_id": "p1", "phase_name": "c" } ] } ] }""", "tiers[1].phases[1].phase_id");
        yield return Case("UnknownRunField", $$"""{ "goal": "g", "tokencap": 5, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "tokencap");
        yield return Case("UnknownTierField", $$"""{ "goal": "g", "tiers": [ { "name": "t", "order": 1, "phases": [ {{OnePhase}} ] } ] }""", "tiers[0].order");
        yield return Case("UnknownPhaseField", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "colour": "red" } ] } ] }""", "tiers[0].phases[0].colour");
        yield return Case("RunIdParentTraversal", $$"""{ "run_id": "../x", "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("RunIdWithSlash", $$"""{ "run_id": "a/b", "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("RunIdEmpty", $$"""{ "run_id": "", "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("RunIdDotFile", $$"""{ "run_id": ".stop_executor", "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("RunIdTooLong", $$"""{ "run_id": "{{new string('a', 129)}}", "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("RunIdAsNumber", $$"""{ "run_id": 12, "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "run_id");
        yield return Case("PhaseIdParentTraversal", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "../x", "phase_name": "a" } ] } ] }""", "tiers[0].phases[0].phase_id");
        yield return Case("PhaseIdWithSlash", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" }, { "phase_id": "a/b", "phase_name": "b" } ] } ] }""", "tiers[0].phases[1].phase_id");
        yield return Case("PhaseIdEmpty", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "", "phase_name": "a" } ] } ] }""", "tiers[0].phases[0].phase_id");
        yield return Case("PhaseIdWithSpace", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "p 1", "phase_name": "a" } ] } ] }""", "tiers[0].phases[0].phase_id");
        yield return Case("UnknownProvider", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "gpt" } ] } ] }""", "tiers[0].phases[0].provider");
        yield return Case("ProviderWrongCase", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "OpenAI" } ] } ] }""", "tiers[0].phases[0].provider");
        yield return Case("UnknownComplexity", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "complexity": "extreme" } ] } ] }""", "tiers[0].phases[0].complexity");
        yield return Case("VerifyAsBoolean", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "verify": true } ] } ] }""", "tiers[0].phases[0].verify");
        yield return Case("RootIsArray", "[]", "$");
        yield return Case("InvalidJson", """{ "goal": "g", "tiers": [ """, "$");
        yield return Case("TrailingComma", $$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ], }""", "$");
        yield return Case("EmptyDocument", string.Empty, "$");
        yield return Case("WorkspaceAsString", $$"""{ "goal": "g", "workspace": "../repo", "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "workspace");
        yield return Case("WorkspaceUnknownField", $$"""{ "goal": "g", "workspace": { "repo": "x" }, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "workspace.repo");
        yield return Case("WorkspaceRepositoryAsNumber", $$"""{ "goal": "g", "workspace": { "repository": 1 }, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "workspace.repository");
        yield return Case("WorkspaceBlankBase", $$"""{ "goal": "g", "workspace": { "repository": "r", "base": " " }, "tiers": [ { "name": "t", "phases": [ {{OnePhase}} ] } ] }""", "workspace.base");
        yield return Case("ScopeAsString", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": "src/**" } ] } ] }""", "tiers[0].phases[0].scope");
        yield return Case("ScopeEntryAsNumber", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": ["src/**", 3] } ] } ] }""", "tiers[0].phases[0].scope[1]");
        yield return Case("ScopeAbsolute", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": ["/etc/**"] } ] } ] }""", "tiers[0].phases[0].scope[0]");
        yield return Case("ScopeParent", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": ["src/../../x"] } ] } ] }""", "tiers[0].phases[0].scope[0]");
        yield return Case("MaxTurnsZero", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_turns": 0 } ] } ] }""", "tiers[0].phases[0].max_turns");
        yield return Case("MaxTurnsTooMany", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "max_turns": 100000 } ] } ] }""", "tiers[0].phases[0].max_turns");
        yield return Case("OfflineEditsAsObject", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": { "path": "x" } } ] } ] }""", "tiers[0].phases[0].offline_edits");
        yield return Case("OfflineEditWithoutPath", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "content": "x" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0].path");
        yield return Case("OfflineEditWithoutChange", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "x" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0]");
        yield return Case("OfflineEditBoth", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "x", "content": "c", "old": "o", "new": "n" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0]");
        yield return Case("OfflineEditOldWithoutNew", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "x", "old": "o" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0]");
        yield return Case("OfflineEditEmptyOld", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "x", "old": "", "new": "n" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0].old");
        yield return Case("OfflineEditUnknownField", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "offline_edits": [ { "path": "x", "content": "c", "mode": "755" } ] } ] } ] }""", "tiers[0].phases[0].offline_edits[0].mode");
        yield return Case("BuilderAsString", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": "aider" } ] } ] }""", "tiers[0].phases[0].builder");
        yield return Case("BuilderWithoutCommand", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" }, { "phase_name": "b", "provider": "openai", "builder": { "timeout_seconds": 60 } } ] } ] }""", "tiers[0].phases[1].builder.command");
        yield return Case("BuilderNullCommand", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": null } } ] } ] }""", "tiers[0].phases[0].builder.command");
        yield return Case("BuilderBlankCommand", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": " " } } ] } ] }""", "tiers[0].phases[0].builder.command");
        yield return Case("BuilderCommandAsArray", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": ["aider"] } } ] } ] }""", "tiers[0].phases[0].builder.command");
        yield return Case("BuilderCommandWithNul", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": "aider\u0000" } } ] } ] }""", "tiers[0].phases[0].builder.command");
        yield return Case("BuilderUnknownField", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": "aider", "cmd": "x" } } ] } ] }""", "tiers[0].phases[0].builder.cmd");
        yield return Case("BuilderTimeoutZero", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": "aider", "timeout_seconds": 0 } } ] } ] }""", "tiers[0].phases[0].builder.timeout_seconds");
        yield return Case("BuilderTimeoutPastADay", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": "aider", "timeout_seconds": 86401 } } ] } ] }""", "tiers[0].phases[0].builder.timeout_seconds");
        yield return Case("BuilderTimeoutAsString", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai", "builder": { "command": "aider", "timeout_seconds": "60" } } ] } ] }""", "tiers[0].phases[0].builder.timeout_seconds");
        yield return Case("BuilderOnDefaultOfflineProvider", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "builder": { "command": "aider" } } ] } ] }""", "tiers[0].phases[0].builder");
        yield return Case("BuilderOnOfflineProvider", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "openai" } ] }, { "name": "u", "phases": [ { "phase_name": "b", "provider": "offline", "builder": { "command": "aider" } } ] } ] }""", "tiers[1].phases[0].builder");
        yield return Case("ModelsEmpty", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": [] } ] } ] }""", "tiers[0].phases[0].models");
        yield return Case("ModelsAsString", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": "gpt-4o" } ] } ] }""", "tiers[0].phases[0].models");
        yield return Case("ModelNull", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": ["small", null] } ] } ] }""", "tiers[0].phases[0].models[1]");
        yield return Case("ModelBlank", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": [""] } ] } ] }""", "tiers[0].phases[0].models[0]");
        yield return Case("ModelAsNumber", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": ["small", 4] } ] } ] }""", "tiers[0].phases[0].models[1]");
        yield return Case("ModelWithNewline", """{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": ["small\nlarge"] } ] } ] }""", "tiers[0].phases[0].models[0]");
        yield return Case("ModelsTooMany", $$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "models": [{{string.Join(", ", Enumerable.Repeat("\"m\"", 21))}}] } ] } ] }""", "tiers[0].phases[0].models");
    }

    [TestCaseSource(nameof(MalformedPlans))]
    public void Parse_MalformedPlan_ThrowsNamingField(string json, string field)
    {
        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse(json));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Field, Is.EqualTo(field));
            Assert.That(ex.Message, Does.StartWith(field + ": "));
            Assert.That(ex.Reason, Is.Not.Empty);
            Assert.That(ex.Message, Does.Not.Contain('\n'), "the CLI prints it as one line");
        });
    }

    [Test]
    public void Parse_ExamplePlan_ReadsEveryField()
    {
        var plan = PlanParser.Parse(File.ReadAllText(RepositoryRoot.Combine("examples", "demo-plan.json")));
        var first = plan.AllPhases().First();

        Assert.Multiple(() =>
        {
            Assert.That(plan.RunId, Is.EqualTo("demo-1"));
            Assert.That(plan.TokenCap, Is.EqualTo(200_000));
            Assert.That(plan.Workspace, Is.EqualTo(new WorkspacePlan("sample-service", null)));
            Assert.That(plan.Tiers.Select(t => t.Name), Is.EqualTo(new[] { "feature", "docs" }));
            Assert.That(plan.AllPhases().Select(p => p.PhaseId), Is.EqualTo(new[] { "demo-1-p1", "demo-1-p2", "demo-1-p3" }));
            Assert.That(plan.AllPhases().Select(p => p.TokenCap), Is.EqualTo(new long?[] { 60_000, null, null }));
            Assert.That(plan.AllPhases().Select(p => p.Category), Is.EqualTo(new[] { "implementation", "implementation", "audit" }));
            Assert.That(plan.AllPhases().Select(p => p.MaxAttempts), Is.EqualTo(new[] { 3, 2, 2 }));
            Assert.That(plan.AllPhases().Select(p => p.OfflineRejections), Is.EqualTo(new[] { 1, 0, 0 }));
            Assert.That(plan.AllPhases().Select(p => p.Verify), Is.All.EqualTo("sh test.sh"));
            Assert.That(first.Scope, Is.EqualTo(new[] { "service.sh" }));
            Assert.That(first.OfflineEdits.Single().Path, Is.EqualTo("service.sh"));
            Assert.That(first.OfflineEdits.Single().IsWrite(), Is.False, "a replace_in_file edit");
            Assert.That(plan.AllPhases().ElementAt(1).OfflineEdits.Select(e => e.IsWrite()), Is.EqualTo(new[] { false, true }));
            Assert.That(plan.AllPhases().Last().OfflineEdits, Is.Empty);
            Assert.That(plan.AllPhases().Select(p => p.MaxTurns), Is.All.EqualTo(PhasePlan.DefaultMaxTurns));
        });
    }

    [Test]
    public void Parse_WorkspaceScopeTurnsAndEdits_Read()
    {
        var plan = PlanParser.Parse("""
            { "goal": "g", "workspace": { "repository": "../svc", "base": "v1.2" },
              "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "scope": ["src/**", "tests/*.py"], "max_turns": 7,
                "offline_edits": [ { "path": "src/a.py", "content": "" }, { "path": "src/b.py", "old": "x = 1", "new": "" } ] } ] } ] }
            """);
        var phase = plan.AllPhases().Single();

        Assert.Multiple(() =>
        {
            Assert.That(plan.Workspace, Is.EqualTo(new WorkspacePlan("../svc", "v1.2")));
            Assert.That(phase.Scope, Is.EqualTo(new[] { "src/**", "tests/*.py" }));
            Assert.That(phase.MaxTurns, Is.EqualTo(7));
            Assert.That(phase.OfflineEdits, Is.EqualTo(new[] { new OfflineEdit("src/a.py", Content: string.Empty), new OfflineEdit("src/b.py", Old: "x = 1", New: string.Empty) }),
                "an empty file and an edit that deletes text are both edits");
        });
    }

    [Test]
    public void Parse_BuilderAndModels_Read()
    {
        var plan = PlanParser.Parse("""
            { "goal": "g", "tiers": [ { "name": "t", "phases": [
              { "phase_name": "a", "provider": "openai", "builder": { "command": "aider --message-file \"$AUTOPACK_PROMPT_FILE\"", "timeout_seconds": 900 },
                "models": ["gpt-small", "gpt-large"] },
              { "phase_name": "b", "provider": "anthropic", "builder": { "command": "claude -p hi" } },
              { "phase_name": "c", "models": ["only"] } ] } ] }
            """);
        var phases = plan.AllPhases().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(phases[0].Builder, Is.EqualTo(new BuilderPlan("aider --message-file \"$AUTOPACK_PROMPT_FILE\"", 900)));
            Assert.That(phases[0].Models, Is.EqualTo(new[] { "gpt-small", "gpt-large" }));
            Assert.That(phases[1].Builder, Is.EqualTo(new BuilderPlan("claude -p hi")), "no timeout given: the default applies when the phase runs");
            Assert.That(phases[1].Models, Is.Null);
            Assert.That(phases[2].Builder, Is.Null, "the built-in builder; models apply to it too, on any provider");
            Assert.That(phases[2].Models, Is.EqualTo(new[] { "only" }));
        });
    }

    [Test]
    public void Parse_ExternalBuilderOnOffline_RefusedSayingWhy()
    {
        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse("""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "builder": { "command": "aider" } } ] } ] }"""));

        Assert.That(ex!.Message, Is.EqualTo(
            "tiers[0].phases[0].builder: an external builder needs the phase's provider to be openai or anthropic: it calls the model " +
            "through Autopack's metered endpoint, and the offline provider (the default) has no HTTP API to relay"));
    }

    [TestCase(1, "small")]
    [TestCase(2, "medium")]
    [TestCase(3, "large")]
    [TestCase(4, "large")]
    [TestCase(20, "large")]
    public void ModelFor_Attempt_NthModelThenTheLast(int attempt, string expected) =>
        Assert.That(PhasePlan.ModelFor(["small", "medium", "large"], attempt), Is.EqualTo(expected));

    [Test]
    public void ModelFor_NoModels_NullForTheProvidersOwn() =>
        Assert.Multiple(() =>
        {
            Assert.That(PhasePlan.ModelFor(null, 1), Is.Null);
            Assert.That(PhasePlan.ModelFor([], 2), Is.Null);
        });

    [Test]
    public void Parse_MinimalPlan_AppliesDefaults()
    {
        var plan = PlanParser.Parse("""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "build" } ] } ] }""");
        var phase = plan.Tiers.Single().Phases.Single();

        Assert.Multiple(() =>
        {
            Assert.That(plan.RunId, Is.Null, "generated when the run is stored");
            Assert.That(plan.TokenCap, Is.Null, "the run default applies");
            Assert.That(phase.PhaseId, Is.Null);
            Assert.That(phase.Goal, Is.EqualTo("build"), "a phase without a goal works on its name");
            Assert.That(phase.Provider, Is.EqualTo("offline"));
            Assert.That(phase.MaxAttempts, Is.EqualTo(PlanParser.DefaultMaxAttempts));
            Assert.That(phase.TokenCap, Is.Null);
            Assert.That(phase.Verify, Is.Null);
            Assert.That(phase.OfflineRejections, Is.Zero);
            Assert.That(plan.Workspace, Is.Null, "an empty repository is initialised for the run");
            Assert.That(phase.Scope, Is.Null, "the whole worktree");
            Assert.That(phase.MaxTurns, Is.EqualTo(PhasePlan.DefaultMaxTurns));
            Assert.That(phase.OfflineEdits, Is.Empty);
            Assert.That(phase.Builder, Is.Null, "the built-in builder");
            Assert.That(phase.Models, Is.Null, "the provider's configured model");
        });
    }

    [TestCase("offline")]
    [TestCase("openai")]
    [TestCase("anthropic")]
    public void Parse_EachSpecProvider_Accepted(string provider) =>
        Assert.That(
            PlanParser.Parse($$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "provider": "{{provider}}" } ] } ] }""")
                .AllPhases().Single().Provider,
            Is.EqualTo(provider));

    [TestCase("demo-1")]
    [TestCase("Run_2.v3")]
    [TestCase("0")]
    public void Parse_SafeIds_Accepted(string id) =>
        Assert.That(
            PlanParser.Parse($$"""{ "run_id": "{{id}}", "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_id": "{{id}}-p", "phase_name": "a" } ] } ] }""").RunId,
            Is.EqualTo(id));

    [TestCase("""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a", "token_cap": 40000, "token_cap": 4000000 } ] } ] }""", "tiers[0].phases[0].token_cap")]
    [TestCase("""{ "run_id": "one", "goal": "g", "run_id": "two", "tiers": [ { "name": "t", "phases": [ { "phase_name": "a" } ] } ] }""", "run_id")]
    public void Parse_DuplicateKey_ThrowsNamingField(string json, string field)
    {
        // A plan that says two things about one field is ambiguous; silently taking the last value could, for
        // example, give a phase a hundred times the budget its author read first.
        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse(json));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }

    [Test]
    public void Parse_TooManyPhases_Refused()
    {
        var phases = string.Join(", ", Enumerable.Range(0, PlanLimits.MaxPhases + 1).Select(i => $$"""{ "phase_name": "p{{i}}" }"""));

        var ex = Assert.Throws<PlanValidationException>(() => PlanParser.Parse($$"""{ "goal": "g", "tiers": [ { "name": "t", "phases": [ {{phases}} ] } ] }"""));

        Assert.That(ex!.Field, Is.EqualTo("tiers"));
    }
}
