using System.Text.Json;
using Autopack.Testing;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;
using Autopack.Workspace.Tests.Git;
using Autopack.Workspace.Tests.Processes;
using Autopack.Workspace.Tools;

namespace Autopack.Workspace.Tests.Tools;

public class BuilderToolsTests
{
    private static readonly CommandRunner Runner = new();
    private TempDirectory _folder = null!;
    private string _root = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = new TempDirectory("autopack-ws");
        var repository = await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));
        _folder.Write("repo/.gitignore", "bin/\n");
        _folder.Write("repo/src/app.py", "import os\n\ndef main():\n    print('hello')\n    print('hello')\n");
        _folder.Write("repo/src/util.py", "def helper():\n    return 42\n");
        var head = await TestGit.CommitAllAsync(repository, "code");
        var worktree = await new RunWorkspaces(Runner).OpenAsync("tools", repository, head, _folder.Combine("run"), CancellationToken.None);
        _root = worktree.Path;
        Directory.CreateDirectory(_folder.Combine("outside"));
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    private BuilderTools Tools(IReadOnlyList<string>? scope = null, ToolLimits? limits = null) => new(_root, scope, limits ?? new ToolLimits(), Runner);

    private static Dictionary<string, object?> Args(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private string Worktree(string relative) => Path.Combine(_root, relative);

    [Test]
    public void Definitions_SevenToolsWithObjectSchemas()
    {
        Assert.That(BuilderTools.Definitions.Select(d => d.Name), Is.EqualTo(ToolNames.All));
        Assert.Multiple(() =>
        {
            foreach (var definition in BuilderTools.Definitions)
            {
                Assert.That(definition.ParametersSchema.GetProperty("type").GetString(), Is.EqualTo("object"));
                Assert.That(definition.ParametersSchema.GetProperty("properties").ValueKind, Is.EqualTo(JsonValueKind.Object));
                Assert.That(definition.ParametersSchema.GetProperty("required").ValueKind, Is.EqualTo(JsonValueKind.Array));
                Assert.That(definition.Description, Is.Not.Empty);
            }
        });
    }

    [Test]
    public async Task ListFiles_Worktree_TrackedAndNewSortedWithoutGitOrIgnored()
    {
        File.WriteAllText(Worktree("new.txt"), "new");
        Directory.CreateDirectory(Worktree("bin"));
        File.WriteAllText(Worktree("bin/out.dll"), "ignored");

        var result = await Tools().InvokeAsync(ToolNames.ListFiles, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.False);
            Assert.That(result.Content.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..], Is.EqualTo(new[] { ".gitignore", "README.md", "new.txt", "src/app.py", "src/util.py" }));
            Assert.That(result.Content, Does.Not.Contain(".git/").And.Not.Contain("bin/"));
        });
    }

    [Test]
    public async Task ListFiles_PathAndGlob_Filters()
    {
        var byName = await Tools().InvokeAsync(ToolNames.ListFiles, Args(("glob", "*.py")), CancellationToken.None);
        var underFolder = await Tools().InvokeAsync(ToolNames.ListFiles, Args(("path", "src"), ("glob", "u*.py")), CancellationToken.None);
        var intoGit = await Tools().InvokeAsync(ToolNames.ListFiles, Args(("path", ".git")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(byName.Content, Does.Contain("src/app.py").And.Contain("src/util.py").And.Not.Contain("README"));
            Assert.That(underFolder.Content, Does.Contain("src/util.py").And.Not.Contain("app.py"));
            Assert.That(intoGit.IsError, Is.True);
        });
    }

    [Test]
    public async Task ListFiles_MoreThanCap_SaysHowManyWereLeftOut()
    {
        for (var i = 0; i < 12; i++)
        {
            File.WriteAllText(Worktree($"f{i:00}.txt"), "x");
        }

        var result = await Tools(limits: new ToolLimits(MaxListEntries: 5)).InvokeAsync(ToolNames.ListFiles, null, CancellationToken.None);

        Assert.That(result.Content, Does.Contain("[11 more files not listed"));
    }

    [Test]
    public async Task ReadFile_WholeAndRange_NumberedLines()
    {
        var whole = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", "src/app.py")), CancellationToken.None);
        var range = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", "src/app.py"), ("start_line", 3), ("end_line", 4)), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(whole.Content, Does.StartWith("src/app.py (lines 1-5 of 5)\n   1| import os\n   2| \n   3| def main():"));
            Assert.That(range.Content, Is.EqualTo("src/app.py (lines 3-4 of 5)\n   3| def main():\n   4|     print('hello')\n"));
        });
    }

    [Test]
    public async Task ReadFile_LargeFile_FirstLinesAndHowToReadMore()
    {
        File.WriteAllLines(Worktree("big.txt"), Enumerable.Range(1, 1000).Select(i => $"line {i}"));

        var result = await Tools(limits: new ToolLimits(MaxReadLines: 100)).InvokeAsync(ToolNames.ReadFile, Args(("path", "big.txt")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Content, Does.Contain(" 100| line 100\n").And.Not.Contain("line 101"));
            Assert.That(result.Content, Does.Contain("[900 more lines").And.Contain("start_line=101"));
        });
    }

    [TestCase("image.bin", "binary")]
    [TestCase("missing.txt", "does not exist")]
    [TestCase("src", "is a folder")]
    [TestCase("../repo/README.md", "leaves the worktree")]
    [TestCase(".git", ".git")]
    public async Task ReadFile_Unreadable_ErrorResult(string path, string message)
    {
        await File.WriteAllBytesAsync(Worktree("image.bin"), [1, 0, 2]);

        var result = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", path)), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.True);
            Assert.That(result.Content, Does.Contain(message));
        });
    }

    [Test]
    public async Task ReadFile_StartPastEnd_ErrorSaysLineCount()
    {
        var result = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", "src/app.py"), ("start_line", 50)), CancellationToken.None);

        Assert.That(result.Content, Does.Contain("has 5 lines"));
    }

    [Test]
    public async Task Search_Pattern_FileLineTextSortedSkippingBinary()
    {
        await File.WriteAllBytesAsync(Worktree("blob.bin"), [0, .. "print('hello')"u8.ToArray()]);

        var result = await Tools().InvokeAsync(ToolNames.Search, Args(("pattern", @"print\('h")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.False);
            Assert.That(result.Content, Is.EqualTo("2 match(es) in 1 file(s):\nsrc/app.py:4:     print('hello')\nsrc/app.py:5:     print('hello')\n"));
        });
    }

    [Test]
    public async Task Search_BadPatternOrCap_ErrorOrNote()
    {
        var bad = await Tools().InvokeAsync(ToolNames.Search, Args(("pattern", "(unclosed")), CancellationToken.None);
        var capped = await Tools(limits: new ToolLimits(MaxSearchMatches: 1)).InvokeAsync(ToolNames.Search, Args(("pattern", "e"), ("path", "src")), CancellationToken.None);
        var none = await Tools().InvokeAsync(ToolNames.Search, Args(("pattern", "nothing-like-this")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(bad.IsError, Is.True);
            Assert.That(bad.Content, Does.Contain("invalid regular expression"));
            Assert.That(capped.Content, Does.Contain("more matches not shown"));
            Assert.That(none.IsError, Is.False);
            Assert.That(none.Content, Does.StartWith("no matches"));
        });
    }

    [Test]
    public async Task WriteFile_NewPath_CreatesParentsAndSaysBytes()
    {
        var result = await Tools().InvokeAsync(ToolNames.WriteFile, Args(("path", "a/b/c.txt"), ("content", "héllo")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Content, Is.EqualTo("wrote 6 bytes to a/b/c.txt (created)"));
            Assert.That(File.ReadAllText(Worktree("a/b/c.txt")), Is.EqualTo("héllo"));
            Assert.That(Directory.GetFiles(Worktree("a/b")), Has.Length.EqualTo(1), "no temporary file left");
        });
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task WriteFile_ExistingExecutable_ReplacedKeepingMode()
    {
        File.WriteAllText(Worktree("run.sh"), "old");
        File.SetUnixFileMode(Worktree("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await Tools().InvokeAsync(ToolNames.WriteFile, Args(("path", "run.sh"), ("content", "#!/bin/sh\necho hi\n")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Content, Does.Contain("(replaced)"));
            Assert.That(File.GetUnixFileMode(Worktree("run.sh")).HasFlag(UnixFileMode.UserExecute), Is.True);
        });
    }

    [Test]
    public async Task WriteFile_ThroughSymlinkToOutside_RefusedAndOutsideUnchanged()
    {
        File.CreateSymbolicLink(Worktree("escape"), _folder.Combine("outside"));
        File.CreateSymbolicLink(Worktree("escape-file"), _folder.Combine("outside", "target.txt"));

        var intoFolder = await Tools().InvokeAsync(ToolNames.WriteFile, Args(("path", "escape/new/file.txt"), ("content", "x")), CancellationToken.None);
        var intoFile = await Tools().InvokeAsync(ToolNames.WriteFile, Args(("path", "escape-file"), ("content", "x")), CancellationToken.None);
        var read = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", "escape/anything")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(intoFolder.IsError && intoFile.IsError && read.IsError, Is.True);
            Assert.That(intoFolder.Content, Does.Contain("outside the worktree"));
            Assert.That(Directory.EnumerateFileSystemEntries(_folder.Combine("outside")), Is.Empty);
        });
    }

    [Test]
    public async Task WriteFile_OutsideScope_RefusedInsideAllowed()
    {
        var tools = Tools(scope: ["src/**"]);

        var outside = await tools.InvokeAsync(ToolNames.WriteFile, Args(("path", "README.md"), ("content", "x")), CancellationToken.None);
        var inside = await tools.InvokeAsync(ToolNames.WriteFile, Args(("path", "src/new.py"), ("content", "x")), CancellationToken.None);
        var read = await tools.InvokeAsync(ToolNames.ReadFile, Args(("path", "README.md")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(outside.IsError, Is.True);
            Assert.That(outside.Content, Does.Contain("outside the phase's scope"));
            Assert.That(File.ReadAllText(Worktree("README.md")), Is.EqualTo("hello\n"));
            Assert.That(inside.IsError, Is.False);
            Assert.That(read.IsError, Is.False);
        });
    }

    [Test]
    public async Task WriteFile_ContentOverCap_Refused()
    {
        var result = await Tools(limits: new ToolLimits(MaxFileBytes: 10)).InvokeAsync(ToolNames.WriteFile, Args(("path", "x.txt"), ("content", new string('a', 11))), CancellationToken.None);

        Assert.That(result.IsError, Is.True);
        Assert.That(File.Exists(Worktree("x.txt")), Is.False);
    }

    [Test]
    public async Task ReplaceInFile_OneOccurrence_Replaced()
    {
        var result = await Tools().InvokeAsync(ToolNames.ReplaceInFile, Args(("path", "src/util.py"), ("old", "return 42"), ("new", "return 43")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Content, Is.EqualTo("replaced 1 occurrence in src/util.py at line 2"));
            Assert.That(File.ReadAllText(Worktree("src/util.py")), Is.EqualTo("def helper():\n    return 43\n"));
        });
    }

    [Test]
    public async Task ReplaceInFile_NotFound_ErrorShowsClosestLinesWithNumbers()
    {
        var result = await Tools().InvokeAsync(ToolNames.ReplaceInFile, Args(("path", "src/util.py"), ("old", "    return 41\n"), ("new", "x")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.True);
            Assert.That(result.Content, Does.Contain("not found").And.Contain("   2|     return 42"));
            Assert.That(File.ReadAllText(Worktree("src/util.py")), Does.Contain("return 42"));
        });
    }

    [Test]
    public async Task ReplaceInFile_SeveralOccurrences_ErrorListsLineNumbers()
    {
        var result = await Tools().InvokeAsync(ToolNames.ReplaceInFile, Args(("path", "src/app.py"), ("old", "print('hello')"), ("new", "x")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.True);
            Assert.That(result.Content, Does.Contain("occurs 2 times").And.Contain("at lines 4, 5"));
            Assert.That(result.Content, Does.Contain("   4|     print('hello')\n   5|     print('hello')"));
        });
    }

    [Test]
    public async Task ReplaceInFile_EmptyOld_Refused()
    {
        var result = await Tools().InvokeAsync(ToolNames.ReplaceInFile, Args(("path", "src/app.py"), ("old", ""), ("new", "x")), CancellationToken.None);

        Assert.That(result.IsError, Is.True);
    }

    [Test]
    public async Task ReplaceInFile_WindowsLineEnds_MatchesTextWrittenWithNewlines()
    {
        File.WriteAllText(Worktree("win.txt"), "one\r\ntwo\r\nthree\r\n");

        var result = await Tools().InvokeAsync(ToolNames.ReplaceInFile, Args(("path", "win.txt"), ("old", "one\ntwo"), ("new", "1\n2")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.False, result.Content);
            Assert.That(File.ReadAllText(Worktree("win.txt")), Is.EqualTo("1\r\n2\r\nthree\r\n"));
        });
    }

    [Test]
    public async Task RunCommand_NonZeroExit_InformationNotError()
    {
        var result = await Tools().InvokeAsync(ToolNames.RunCommand, Args(("command", "ls src; exit 2")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.False);
            Assert.That(result.Content, Does.StartWith("exit code 2\n").And.Contain("app.py"));
        });
    }

    [Test]
    public async Task RunCommand_Timeout_ErrorResultAndTreeKilled()
    {
        var result = await Tools().InvokeAsync(
            ToolNames.RunCommand, Args(("command", "sleep 300 & echo pid=$!; sleep 300"), ("timeout_seconds", 1)), CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(result.IsError, Is.True);
            Assert.That(result.Content, Does.StartWith("timed out after 1 s; process tree killed"));
            Assert.That(await ProcessProbe.IsGoneSoonAsync(ProcessProbe.PidsIn(result.Content).Single()), Is.True);
        });
    }

    [Test]
    public async Task RunCommand_SecretsInExecutorEnvironment_NotVisible()
    {
        var previous = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "sk-from-the-executor");
        try
        {
            var result = await Tools().InvokeAsync(ToolNames.RunCommand, Args(("command", "env")), CancellationToken.None);

            Assert.That(result.Content, Does.Not.Contain("sk-from-the-executor").And.Contain("PATH="));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENAI_API_KEY", previous);
        }
    }

    [Test]
    public async Task Finish_ReturnsFinished()
    {
        var result = await Tools().InvokeAsync(ToolNames.Finish, Args(("summary", "done")), CancellationToken.None);

        Assert.That(result, Is.EqualTo(new ToolResult("finished", false)));
    }

    [Test]
    public async Task InvokeAsync_UnknownTool_ErrorListingTools()
    {
        var result = await Tools().InvokeAsync("delete_everything", null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsError, Is.True);
            Assert.That(result.Content, Does.Contain("list_files").And.Contain("finish"));
        });
    }

    [Test]
    public async Task InvokeAsync_WrongTypedOrMissingArguments_ErrorResultsNoException()
    {
        var numberAsPath = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", 12)), CancellationToken.None);
        var jsonNumberAsPath = await Tools().InvokeAsync(ToolNames.ReadFile, JsonArgs("""{"path": 12}"""), CancellationToken.None);
        var boolContent = await Tools().InvokeAsync(ToolNames.WriteFile, Args(("path", "x.txt"), ("content", true)), CancellationToken.None);
        var textLine = await Tools().InvokeAsync(ToolNames.ReadFile, Args(("path", "src/app.py"), ("start_line", "three")), CancellationToken.None);
        var missing = await Tools().InvokeAsync(ToolNames.WriteFile, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(numberAsPath.IsError && jsonNumberAsPath.IsError && boolContent.IsError && textLine.IsError && missing.IsError, Is.True);
            Assert.That(jsonNumberAsPath.Content, Does.Contain("'path' must be a string"));
            Assert.That(missing.Content, Does.Contain("missing required argument 'path'"));
        });
    }

    [Test]
    public async Task InvokeAsync_JsonElementArguments_Work()
    {
        var result = await Tools().InvokeAsync(ToolNames.ReadFile, JsonArgs("""{"path": "src/app.py", "start_line": 3, "end_line": null}"""), CancellationToken.None);

        Assert.That(result.Content, Does.StartWith("src/app.py (lines 3-5 of 5)"));
    }

    [Test]
    public async Task InvokeAsync_LongResult_CutWithNote()
    {
        File.WriteAllText(Worktree("wide.txt"), new string('x', 5_000));

        var result = await Tools(limits: new ToolLimits(MaxResultChars: 1_000)).InvokeAsync(ToolNames.ReadFile, Args(("path", "wide.txt")), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Content, Has.Length.LessThanOrEqualTo(1_000));
            Assert.That(result.Content, Does.EndWith("characters shown]"));
        });
    }

    [Test]
    public void InvokeAsync_CallerCancels_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(
            async () => await Tools().InvokeAsync(ToolNames.RunCommand, Args(("command", "sleep 5")), cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    private static Dictionary<string, object?> JsonArgs(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }
}
