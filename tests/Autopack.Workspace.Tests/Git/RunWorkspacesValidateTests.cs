using Autopack.Testing;
using Autopack.Workspace.Git;
using Autopack.Workspace.Processes;

namespace Autopack.Workspace.Tests.Git;

public class RunWorkspacesValidateTests
{
    private readonly RunWorkspaces _workspaces = new(new CommandRunner());
    private TempDirectory _folder = null!;

    [SetUp]
    public void SetUp() => _folder = new TempDirectory("autopack-ws");

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public void ValidateAsync_MissingPath_RefusesRepository() =>
        AssertRefused(() => _workspaces.ValidateAsync("nowhere", null, _folder.Path, CancellationToken.None), WorkspaceException.RepositoryField, "does not exist");

    [Test]
    public void ValidateAsync_PlainFolder_RefusesRepository()
    {
        Directory.CreateDirectory(_folder.Combine("plain"));

        AssertRefused(() => _workspaces.ValidateAsync("plain", null, _folder.Path, CancellationToken.None), WorkspaceException.RepositoryField, "not a git repository");
    }

    [Test]
    public void ValidateAsync_File_RefusesRepository()
    {
        _folder.Write("file.txt", "x");

        AssertRefused(() => _workspaces.ValidateAsync("file.txt", null, _folder.Path, CancellationToken.None), WorkspaceException.RepositoryField, "is a file");
    }

    [Test]
    public async Task ValidateAsync_FolderInsideRepository_RefusesRepositoryNamingTopLevel()
    {
        var repository = await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));
        Directory.CreateDirectory(Path.Combine(repository, "src"));

        AssertRefused(() => _workspaces.ValidateAsync("repo/src", null, _folder.Path, CancellationToken.None), WorkspaceException.RepositoryField, "not its top level");
    }

    [Test]
    public async Task ValidateAsync_BareRepository_RefusesRepository()
    {
        Directory.CreateDirectory(_folder.Combine("bare.git"));
        await TestGit.RunAsync(_folder.Combine("bare.git"), "init", "--bare", "--quiet");

        AssertRefused(() => _workspaces.ValidateAsync("bare.git", null, _folder.Path, CancellationToken.None), WorkspaceException.RepositoryField, "bare");
    }

    [Test]
    public async Task ValidateAsync_EmptyRepository_RefusesBase()
    {
        Directory.CreateDirectory(_folder.Combine("empty"));
        await TestGit.RunAsync(_folder.Combine("empty"), "init", "--quiet");

        AssertRefused(() => _workspaces.ValidateAsync("empty", null, _folder.Path, CancellationToken.None), WorkspaceException.BaseField, "no commits");
    }

    [Test]
    public async Task ValidateAsync_BaseThatDoesNotResolve_RefusesBase()
    {
        await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));

        AssertRefused(() => _workspaces.ValidateAsync("repo", "no-such-branch", _folder.Path, CancellationToken.None), WorkspaceException.BaseField, "no-such-branch");
    }

    [Test]
    public async Task ValidateAsync_BaseLikeAnOption_RefusesBase()
    {
        await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));

        AssertRefused(() => _workspaces.ValidateAsync("repo", "--all", _folder.Path, CancellationToken.None), WorkspaceException.BaseField, "--all");
    }

    [Test]
    public async Task ValidateAsync_RepositoryAndBranchName_ResolvesFullSha()
    {
        var repository = await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));
        await TestGit.RunAsync(repository, "branch", "feature");
        _folder.Write("repo/more.txt", "more");
        var head = await TestGit.CommitAllAsync(repository, "second");
        var feature = (await TestGit.RunAsync(repository, "rev-parse", "feature")).Trim();

        var byBranch = await _workspaces.ValidateAsync("repo", "feature", _folder.Path, CancellationToken.None);
        var byDefault = await _workspaces.ValidateAsync(repository, null, "/", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(byBranch.BaseCommit, Is.EqualTo(feature).And.Length.EqualTo(40));
            Assert.That(byBranch.RepositoryPath, Is.EqualTo(repository));
            Assert.That(byDefault.BaseCommit, Is.EqualTo(head));
            Assert.That(byDefault.BaseCommit, Is.Not.EqualTo(feature));
        });
    }

    [Test]
    public async Task ValidateAsync_AbbreviatedShaAndTag_ResolveToCommit()
    {
        var repository = await TestGit.CreateRepositoryAsync(_folder.Combine("repo"));
        var head = (await TestGit.RunAsync(repository, "rev-parse", "HEAD")).Trim();
        await TestGit.RunAsync(repository, "tag", "-a", "v1", "-m", "annotated");

        var byShortSha = await _workspaces.ValidateAsync("repo", head[..8], _folder.Path, CancellationToken.None);
        var byTag = await _workspaces.ValidateAsync("repo", "v1", _folder.Path, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(byShortSha.BaseCommit, Is.EqualTo(head));
            Assert.That(byTag.BaseCommit, Is.EqualTo(head));
        });
    }

    private static void AssertRefused(Func<Task<RepositoryCheck>> validate, string field, string messagePart)
    {
        WorkspaceException? exception = null;
        RepositoryCheck? accepted = null;
        try
        {
            accepted = validate().GetAwaiter().GetResult();
        }
        catch (WorkspaceException refused)
        {
            exception = refused;
        }

        Assert.That(exception, Is.Not.Null, $"accepted as {accepted}");
        Assert.Multiple(() =>
        {
            Assert.That(exception!.Field, Is.EqualTo(field));
            Assert.That(exception.Message, Does.Contain(messagePart));
        });
    }
}
