using Autopack.Testing;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Tests.Git;

public class GitRefFilesTests
{
    private TempDirectory _folder = null!;
    private string _repository = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = new TempDirectory("autopack-refs");
        _repository = await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public async Task Locate_Checkout_ReadsHeadAndTheLooseRefAsGitDoes()
    {
        var files = GitRefFiles.Locate(_repository)!;

        Assert.Multiple(async () =>
        {
            Assert.That(files.GitDirectory, Is.EqualTo(Path.Join(_repository, ".git")));
            Assert.That(files.CommonDirectory, Is.EqualTo(files.GitDirectory));
            Assert.That(files.HeadBranch(), Is.EqualTo("refs/heads/main"));
            Assert.That(files.LooseRef("refs/heads/main"), Is.EqualTo((await TestGit.RunAsync(_repository, "rev-parse", "refs/heads/main")).Trim()));
        });
    }

    [Test]
    public async Task Locate_Worktree_FindsItsOwnGitFolderAndTheRepositorysRefs()
    {
        var worktree = await new RunWorkspaces(new CommandRunner()).OpenAsync("run-1", _repository, null, _folder.Combine("runs", "run-1"), CancellationToken.None);
        var tip = await worktree.CommitAsync("phase one", "", [], CancellationToken.None);

        var files = GitRefFiles.Locate(worktree.Path)!;

        Assert.Multiple(async () =>
        {
            Assert.That(files.GitDirectory, Does.StartWith(Path.Join(_repository, ".git", "worktrees")));
            Assert.That(files.CommonDirectory, Is.EqualTo(Path.Join(_repository, ".git")));
            Assert.That(files.HeadBranch(), Is.EqualTo("refs/heads/autopack/run-1"));
            Assert.That(files.LooseRef("refs/heads/autopack/run-1"), Is.EqualTo(tip));
            Assert.That(tip, Is.EqualTo((await TestGit.RunAsync(worktree.Path, "rev-parse", "HEAD")).Trim()));
        });
    }

    [Test]
    public async Task LooseRef_PackedRefs_NullSoGitIsAskedAndTheWorktreesTipStaysRight()
    {
        var worktree = await new RunWorkspaces(new CommandRunner()).OpenAsync("run-2", _repository, null, _folder.Combine("runs", "run-2"), CancellationToken.None);
        await TestGit.RunAsync(_repository, "pack-refs", "--all");

        var files = GitRefFiles.Locate(worktree.Path)!;
        var tip = await worktree.CommitAsync("after packing", "", [], CancellationToken.None);
        await TestGit.RunAsync(_repository, "pack-refs", "--all");

        Assert.Multiple(async () =>
        {
            Assert.That(files.LooseRef("refs/heads/autopack/run-2"), Is.Null);
            Assert.That(await worktree.TipAsync(CancellationToken.None), Is.EqualTo(tip));
            Assert.That(tip, Is.EqualTo((await TestGit.RunAsync(_repository, "rev-parse", "refs/heads/autopack/run-2")).Trim()));
        });
    }

    [Test]
    public async Task CommitAsync_HeadDetachedByACommand_ReadsNoBranchFromHeadAndCommitsOnTheRunBranch()
    {
        var worktree = await new RunWorkspaces(new CommandRunner()).OpenAsync("run-3", _repository, null, _folder.Combine("runs", "run-3"), CancellationToken.None);
        await TestGit.RunAsync(worktree.Path, "checkout", "--quiet", "--detach");
        var files = GitRefFiles.Locate(worktree.Path)!;
        var detached = files.HeadBranch();

        File.WriteAllText(Path.Join(worktree.Path, "new.txt"), "x");
        var tip = await worktree.CommitAsync("on the branch", "", [], CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(detached, Is.Null);
            Assert.That(files.HeadBranch(), Is.EqualTo("refs/heads/autopack/run-3"));
            Assert.That((await TestGit.RunAsync(_repository, "rev-parse", "refs/heads/autopack/run-3")).Trim(), Is.EqualTo(tip));
            Assert.That((await TestGit.RunAsync(_repository, "show", "--name-only", "--format=", tip)).Trim(), Is.EqualTo("new.txt"));
        });
    }

    [Test]
    public void Locate_NotARepositoryOrAnUnreadableGitFile_Null()
    {
        _folder.Write("plain/file.txt", "x");
        _folder.Write("pointer/.git", "not a gitdir line\n");
        _folder.Write("dangling/.git", "gitdir: /nowhere/at/all\n");

        Assert.Multiple(() =>
        {
            Assert.That(GitRefFiles.Locate(_folder.Combine("plain")), Is.Null);
            Assert.That(GitRefFiles.Locate(_folder.Combine("pointer")), Is.Null);
            Assert.That(GitRefFiles.Locate(_folder.Combine("dangling")), Is.Null);
        });
    }

    [Test]
    public void LooseRef_NotABranchOrNotAnId_Null()
    {
        var files = GitRefFiles.Locate(_repository)!;
        File.WriteAllText(Path.Join(_repository, ".git", "refs", "heads", "odd"), "ref: refs/heads/main\n");

        Assert.Multiple(() =>
        {
            Assert.That(files.LooseRef("refs/heads/../../config"), Is.Null);
            Assert.That(files.LooseRef("HEAD"), Is.Null);
            Assert.That(files.LooseRef("refs/heads/odd"), Is.Null, "a symbolic ref is no id");
            Assert.That(files.LooseRef("refs/heads/missing"), Is.Null);
        });
    }
}
