using Autopack.Storage.Runtime;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Runtime;

public class BuildHistoryLedgerTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

    [Test]
    public async Task AppendAsync_ConcurrentWriters_KeepEveryEntry()
    {
        using var dir = new TempDirectory();
        var ledger = new BuildHistoryLedger(dir.Combine("docs", "BUILD_HISTORY.md"));

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => ledger.AppendAsync(BuildHistoryEntry.Create(T0.AddMinutes(i), $"run-{i}", "DONE_SUCCESS", [$"n: {i}"])))));

        var entries = ledger.ReadEntries();
        Assert.That(entries, Has.Count.EqualTo(40));
        Assert.That(entries.Select(e => e.Header).Distinct().Count(), Is.EqualTo(40));
        Assert.That(File.ReadAllText(ledger.Path), Does.StartWith(BuildHistoryLedger.Title));
    }

    [Test]
    public void Tidy_AfterMergeConflict_RemovesMarkersMergesDuplicatesLosesNothing()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("BUILD_HISTORY.md");
        var a = BuildHistoryEntry.Create(T0, "run-a", "DONE_SUCCESS", ["goal: a"]).Render();
        var b = BuildHistoryEntry.Create(T0.AddHours(1), "run-b", "ABORTED", ["goal: b", "reason: aborted by operator"]).Render();
        var c = BuildHistoryEntry.Create(T0.AddHours(2), "run-c", "DONE_FAILED", ["goal: c"]).Render();
        // Two branches both appended after run-a: git leaves both sides between markers, run-a on both sides.
        File.WriteAllText(path, $"# Build history\n\n{a}\n<<<<<<< HEAD\n{c}\n{a}=======\n{b}\n>>>>>>> other\n");

        var report = new BuildHistoryLedger(path).Tidy();

        var text = File.ReadAllText(path);
        Assert.That(text, Does.Not.Contain("<<<<<<<").And.Not.Contain("=======").And.Not.Contain(">>>>>>>"));
        var headers = BuildHistoryLedger.Parse(text).Entries.Select(e => e.Header).ToList();
        Assert.That(headers, Is.EqualTo(new[]
        {
            $"## 2026-11-25T10:00:00Z run-a DONE_SUCCESS",
            $"## 2026-11-25T11:00:00Z run-b ABORTED",
            $"## 2026-11-25T12:00:00Z run-c DONE_FAILED",
        }));
        Assert.That(text, Does.Contain("reason: aborted by operator"), "entry bodies survive");
        Assert.That(report.DuplicatesRemoved, Is.EqualTo(1));
        Assert.That(report.ConflictMarkersRemoved, Is.EqualTo(3));
    }

    [Test]
    public void Tidy_TwiceInARow_IsStable()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("BUILD_HISTORY.md");
        File.WriteAllText(path, BuildHistoryEntry.Create(T0.AddHours(1), "late", "DONE_SUCCESS", ["x"]).Render() + BuildHistoryEntry.Create(T0, "early", "DONE_SUCCESS", ["y"]).Render());
        var ledger = new BuildHistoryLedger(path);

        ledger.Tidy();
        var once = File.ReadAllText(path);
        ledger.Tidy();

        Assert.That(File.ReadAllText(path), Is.EqualTo(once));
        Assert.That(ledger.ReadEntries().Select(e => e.Header), Is.EqualTo(new[] { "## 2026-11-25T10:00:00Z early DONE_SUCCESS", "## 2026-11-25T11:00:00Z late DONE_SUCCESS" }));
    }

    /// <summary>The SOT integrity check of the runbook: the project's own ledger parses, has no conflict markers and no duplicate entry.</summary>
    [Test]
    public void RepositoryLedger_IsConsolidated()
    {
        var path = Path.Combine(RepositoryRoot.Path, "docs", "BUILD_HISTORY.md");
        var text = File.ReadAllText(path);

        var (entries, markers) = BuildHistoryLedger.Parse(text);

        Assert.That(text, Does.StartWith(BuildHistoryLedger.Title));
        Assert.That(markers, Is.Zero, "conflict markers left in docs/BUILD_HISTORY.md: run autopack tidy");
        Assert.That(entries.Select(e => e.Render()).Distinct().Count(), Is.EqualTo(entries.Count), "duplicate entries: run autopack tidy");
        Assert.That(entries.Select(e => e.SortKey), Is.Ordered, "entries out of order: run autopack tidy");
    }
}
