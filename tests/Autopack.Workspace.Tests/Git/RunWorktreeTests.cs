using Autopack.Testing;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Tests.Git;

public class RunWorktreeTests
{
    private TempDirectory _folder = null!;
    private string _base = null!;
    private RunWorktree _worktree = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = new TempDirectory("autopack-ws");
        var repository = await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));
        _folder.Write("repo/.gitignore", "bin/\n*.log\n");
        _base = await TestGit.CommitAllAsync(repository, "ignore build output");
        _worktree = await new RunWorkspaces(new CommandRunner()).OpenAsync("run-7", repository, _base, _folder.Combine("runs", "run-7"), CancellationToken.None);
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    private string InWorktree(string relativePath) => Path.Combine(_worktree.Path, relativePath);

    private void Write(string relativePath, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(InWorktree(relativePath))!);
        File.WriteAllText(InWorktree(relativePath), content);
    }

    [Test]
    public async Task ResetToTipAsync_RemovesTrackedChangesNewFilesAndIgnoredFiles()
    {
        Write("README.md", "changed\n");
        Write("new/deep/file.txt", "new");
        Write("bin/output.dll", "ignored");
        Write("debug.log", "ignored");
        File.Delete(InWorktree(".gitignore"));
        await TestGit.RunAsync(_worktree.Path, "add", "new");

        await _worktree.ResetToTipAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(File.ReadAllText(InWorktree("README.md")), Is.EqualTo("hello\n"));
            Assert.That(File.Exists(InWorktree(".gitignore")), Is.True);
            Assert.That(Directory.Exists(InWorktree("new")), Is.False);
            Assert.That(Directory.Exists(InWorktree("bin")), Is.False);
            Assert.That(File.Exists(InWorktree("debug.log")), Is.False);
            Assert.That((await TestGit.RunAsync(_worktree.Path, "status", "--porcelain", "--ignored")).Trim(), Is.Empty);
        });
    }

    [Test]
    public async Task ResetToTipAsync_HeadDetachedByACommand_BackOnBranchAtTip()
    {
        var tip = await _worktree.CommitAsync("phase", "", [], CancellationToken.None);
        await TestGit.RunAsync(_worktree.Path, "checkout", "--quiet", "--detach", _base);

        await _worktree.ResetToTipAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That((await TestGit.RunAsync(_worktree.Path, "symbolic-ref", "HEAD")).Trim(), Is.EqualTo("refs/heads/autopack/run-7"));
            Assert.That((await TestGit.RunAsync(_worktree.Path, "rev-parse", "HEAD")).Trim(), Is.EqualTo(tip));
        });
    }

    [Test]
    public async Task ResetToAsync_CommitsMadeByABuilderCommand_DroppedFromBranch()
    {
        var start = await _worktree.TipAsync(CancellationToken.None);
        Write("sneaky.txt", "x");
        await TestGit.CommitAllAsync(_worktree.Path, "made by run_command");

        await _worktree.ResetToAsync(start, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(await _worktree.TipAsync(CancellationToken.None), Is.EqualTo(start));
            Assert.That(File.Exists(InWorktree("sneaky.txt")), Is.False);
        });
    }

    [Test]
    public async Task CommitAsync_WithTrailers_MakesOneCommitByAutopackWithParseableTrailers()
    {
        Write("src/app.py", "print('hi')\n");
        IReadOnlyList<KeyValuePair<string, string>> trailers =
        [
            new("Autopack-Run", "run-7"),
            new("Autopack-Phase", "phase-1"),
            new("Autopack-Attempt", "2"),
            new("Autopack-Tokens", "1234"),
        ];

        var sha = await _worktree.CommitAsync("Phase one: make it print", "# Goal\nPrint hi.\nKey: not a trailer\n\nMore.", trailers, CancellationToken.None);

        var messageFile = _folder.Combine("message.txt");
        await File.WriteAllTextAsync(messageFile, await TestGit.RunAsync(_worktree.Path, "log", "-1", "--format=%B", sha));
        var parsed = await TestGit.RunAsync(_worktree.Path, "interpret-trailers", "--parse", messageFile);
        var commits = await _worktree.CommitsAsync(CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((await TestGit.RunAsync(_worktree.Path, "rev-list", "--count", $"{_base}..{sha}")).Trim(), Is.EqualTo("1"));
            Assert.That(await _worktree.TipAsync(CancellationToken.None), Is.EqualTo(sha));
            Assert.That(parsed, Is.EqualTo("Autopack-Run: run-7\nAutopack-Phase: phase-1\nAutopack-Attempt: 2\nAutopack-Tokens: 1234\n"));
            Assert.That((await TestGit.RunAsync(_worktree.Path, "log", "-1", "--format=%an <%ae>|%cn <%ce>")).Trim(), Is.EqualTo("Autopack <autopack@localhost>|Autopack <autopack@localhost>"));
            Assert.That(await File.ReadAllTextAsync(messageFile), Does.Contain("# Goal\nPrint hi."));
            Assert.That(commits, Has.Count.EqualTo(1));
            Assert.That(commits[0].Sha, Is.EqualTo(sha));
            Assert.That(commits[0].Subject, Is.EqualTo("Phase one: make it print"));
            Assert.That(commits[0].Trailers, Has.Count.EqualTo(4));
            Assert.That(commits[0].Trailers["Autopack-Attempt"], Is.EqualTo("2"));
            Assert.That((await TestGit.RunAsync(_worktree.Path, "show", "--format=", "--name-only", sha)).Trim(), Is.EqualTo("src/app.py"));
        });
    }

    /// <summary>
    /// Without staging first, the commit is the index as the diff staged it: what was written afterwards stays out
    /// (and in the tree); staging first, it goes in.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public async Task CommitAsync_StageFirstOrNot_CommitsTheDiffedIndexOrEverything(bool stageFirst)
    {
        var start = await _worktree.TipAsync(CancellationToken.None);
        Write("src/app.py", "print('hi')\n");
        var diff = await _worktree.DiffAsync(start, CancellationToken.None);
        Write("late.txt", "written after the diff");

        var sha = await _worktree.CommitAsync("phase", "", [], start, CancellationToken.None, stageFirst);

        var files = (await TestGit.RunAsync(_worktree.Path, "show", "--format=", "--name-only", sha)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(diff, Does.Contain("src/app.py").And.Not.Contain("late.txt"));
        Assert.That(files, Is.EqualTo(stageFirst ? new[] { "late.txt", "src/app.py" } : new[] { "src/app.py" }));
        Assert.That(File.Exists(InWorktree("late.txt")), Is.True);
    }

    /// <summary>HEAD left detached by a builder's command is re-attached, and then everything is staged anyway.</summary>
    [Test]
    public async Task CommitAsync_NoStagingButHeadDetached_StagesEverythingOnTheBranch()
    {
        var start = await _worktree.TipAsync(CancellationToken.None);
        await TestGit.RunAsync(_worktree.Path, "checkout", "--quiet", "--detach", start);
        Write("after.txt", "x");

        var sha = await _worktree.CommitAsync("phase", "", [], start, CancellationToken.None, stageFirst: false);

        Assert.That((await TestGit.RunAsync(_worktree.Path, "show", "--format=", "--name-only", sha)).Trim(), Is.EqualTo("after.txt"));
        Assert.That((await TestGit.RunAsync(_worktree.Path, "symbolic-ref", "HEAD")).Trim(), Is.EqualTo("refs/heads/autopack/run-7"));
    }

    [Test]
    public async Task CommitAsync_NoChange_StillOneCommit()
    {
        var sha = await _worktree.CommitAsync("nothing to do", "", [new("Autopack-Phase", "p")], CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(sha, Is.Not.EqualTo(_base));
            Assert.That((await TestGit.RunAsync(_worktree.Path, "rev-parse", $"{sha}^")).Trim(), Is.EqualTo(_base));
        });
    }

    [Test]
    public async Task CommitsAsync_SeveralPhases_OldestFirst()
    {
        Write("a.txt", "a");
        var first = await _worktree.CommitAsync("first", "", [new("Autopack-Phase", "1")], CancellationToken.None);
        Write("b.txt", "b");
        var second = await _worktree.CommitAsync("second", "", [new("Autopack-Phase", "2")], CancellationToken.None);

        var commits = await _worktree.CommitsAsync(CancellationToken.None);

        Assert.That(commits.Select(c => (c.Sha, c.Subject, c.Trailers["Autopack-Phase"])), Is.EqualTo(new[] { (first, "first", "1"), (second, "second", "2") }));
    }

    [Test]
    public void CommitAsync_BadTrailerKey_Throws() =>
        Assert.That(
            async () => await _worktree.CommitAsync("s", "", [new("Bad Key", "v")], CancellationToken.None),
            Throws.ArgumentException);

    [Test]
    public async Task DiffAsync_ModifiedAndNewUntrackedFiles_AllInDiffBinarySummarised()
    {
        Write("README.md", "hello\nworld\n");
        Write("src/new.py", "print('new')\n");
        Write("bin/ignored.txt", "never in the diff");
        await File.WriteAllBytesAsync(InWorktree("image.bin"), [0, 1, 2, 0, 255]);

        var diff = await _worktree.DiffAsync(_base, CancellationToken.None);
        var stat = await _worktree.DiffStatAsync(_base, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(diff, Does.Contain("diff --git a/README.md b/README.md").And.Contain("+world"));
            Assert.That(diff, Does.Contain("+++ b/src/new.py").And.Contain("+print('new')"));
            Assert.That(diff, Does.Contain("Binary files /dev/null and b/image.bin differ"));
            Assert.That(diff, Does.Not.Contain("ignored"));
            Assert.That(stat, Does.Contain("src/new.py").And.Contain("README.md").And.Contain("3 files changed"));
        });
    }

    [Test]
    public async Task DiffAsync_NoChange_Empty() =>
        Assert.That(await _worktree.DiffAsync(_base, CancellationToken.None), Is.Empty);

    [Test]
    public async Task ChangedPathsAsync_UnusualNamesARenameAndADeletion_EachPathAsIsIgnoredOnesLeftOut()
    {
        Write("with space/ünïcode.txt", "new\n");
        Write("line\nbreak.txt", "new\n");
        Write("bin/ignored.txt", "never listed");
        Directory.CreateDirectory(InWorktree("moved"));
        File.Move(InWorktree("README.md"), InWorktree("moved/README.md"));

        var changed = await _worktree.ChangedPathsAsync(_base, CancellationToken.None);

        Assert.That(changed, Is.EquivalentTo(new[] { "README.md", "moved/README.md", "with space/ünïcode.txt", "line\nbreak.txt" }));
    }

    [Test]
    public async Task ChangedPathsAsync_NoChange_EmptyAfterGitConfirmsIt() =>
        Assert.That(await _worktree.ChangedPathsAsync(_base, CancellationToken.None), Is.Empty);
}
