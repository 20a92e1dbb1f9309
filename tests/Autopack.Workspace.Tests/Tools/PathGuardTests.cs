using Autopack.Testing;
using Autopack.Workspace.Tools;

namespace Autopack.Workspace.Tests.Tools;

public class PathGuardTests
{
    private TempDirectory _folder = null!;
    private string _root = null!;
    private string _outside = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TempDirectory("autopack-ws");
        _root = _folder.Combine("root");
        _outside = _folder.Combine("outside");
        _folder.Write("root/src/app.py", "print()\n");
        _folder.Write("root/.git", "gitdir: /somewhere\n");
        _folder.Write("outside/secret.txt", "secret\n");
        File.CreateSymbolicLink(Path.Combine(_root, "out-dir"), _outside);
        File.CreateSymbolicLink(Path.Combine(_root, "out-file"), Path.Combine(_outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "in-dir"), Path.Combine(_root, "src"));
        File.CreateSymbolicLink(Path.Combine(_root, "relative-out"), "../outside");
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [TestCase("../x", "leaves the worktree")]
    [TestCase("sub/../../x", "leaves the worktree")]
    [TestCase("/etc/passwd", "absolute")]
    [TestCase("~/x", "absolute")]
    [TestCase(".git", ".git")]
    [TestCase(".git/config", ".git")]
    [TestCase(".GIT/x", ".git")]
    [TestCase("src/.Git/hooks/pre-commit", ".git")]
    [TestCase("out-dir/secret.txt", "symlink that points outside")]
    [TestCase("out-dir", "symlink that points outside")]
    [TestCase("out-file", "symlink that points outside")]
    [TestCase("relative-out/secret.txt", "symlink that points outside")]
    [TestCase("out-dir/new/file.txt", "symlink that points outside")]
    [TestCase("", "empty")]
    [TestCase("a\0b", "NUL")]
    public void TryResolve_RefusedPath_SaysWhichRule(string path, string rule)
    {
        var guard = new PathGuard(_root, null);

        Assert.Multiple(() =>
        {
            foreach (var access in new[] { PathAccess.Read, PathAccess.Write })
            {
                Assert.That(guard.TryResolve(path, access, out _, out var error), Is.False, $"{access} {path}");
                Assert.That(error, Does.Contain(rule));
            }
        });
    }

    [TestCase("src/app.py", "src/app.py")]
    [TestCase("./src//app.py", "src/app.py")]
    [TestCase("src/../src/app.py", "src/app.py")]
    [TestCase("in-dir/app.py", "src/app.py")]
    [TestCase("new/folder/file.txt", "new/folder/file.txt")]
    [TestCase("src\\app.py", "src/app.py")]
    [TestCase(".gitignore", ".gitignore")]
    [TestCase(".github/workflows/ci.yml", ".github/workflows/ci.yml")]
    public void TryResolve_PathInside_ResolvesToRealPathInRoot(string path, string expected)
    {
        var guard = new PathGuard(_root, null);

        Assert.Multiple(() =>
        {
            Assert.That(guard.TryResolve(path, PathAccess.Write, out var full, out var error), Is.True, error);
            Assert.That(full, Is.EqualTo(Path.Combine(_root, expected)));
        });
    }

    [Test]
    public void TryResolve_SymlinkIntoGit_Refused()
    {
        Directory.CreateDirectory(_folder.Combine("root", "sub", ".git"));
        File.Delete(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        File.CreateSymbolicLink(Path.Combine(_root, "config-link"), Path.Combine(_root, ".git"));

        var guard = new PathGuard(_root, null);

        Assert.That(guard.TryResolve("config-link/config", PathAccess.Read, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(".git"));
    }

    [Test]
    public void TryResolve_Scope_RefusesWritesOutsideAllowsReadsEverywhere()
    {
        var guard = new PathGuard(_root, ["src/**", "tests/*.py", "docs/"]);

        Assert.Multiple(() =>
        {
            Assert.That(guard.TryResolve("src/deep/new.py", PathAccess.Write, out _, out _), Is.True);
            Assert.That(guard.TryResolve("tests/test_app.py", PathAccess.Write, out _, out _), Is.True);
            Assert.That(guard.TryResolve("docs/guide.md", PathAccess.Write, out _, out _), Is.True);
            Assert.That(guard.TryResolve("tests/sub/test_app.py", PathAccess.Write, out _, out var nested), Is.False);
            Assert.That(nested, Does.Contain("outside the phase's scope").And.Contain("src/**"));
            Assert.That(guard.TryResolve("README.md", PathAccess.Write, out _, out _), Is.False);
            Assert.That(guard.TryResolve("README.md", PathAccess.Read, out _, out _), Is.True);
            Assert.That(guard.TryResolve("in-dir/app.py", PathAccess.Write, out _, out _), Is.True, "a link inside resolves into src");
        });
    }

    [Test]
    public void TryResolve_EmptyScope_AllowsWritesAnywhereInside()
    {
        var guard = new PathGuard(_root, []);

        Assert.That(guard.TryResolve("anything/at/all.txt", PathAccess.Write, out _, out _), Is.True);
    }

    [Test]
    public void TryResolve_SymlinkLoop_Refused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "loop-a"), Path.Combine(_root, "loop-b"));
        File.CreateSymbolicLink(Path.Combine(_root, "loop-b"), Path.Combine(_root, "loop-a"));

        Assert.That(new PathGuard(_root, null).TryResolve("loop-a/x", PathAccess.Read, out _, out _), Is.False);
    }

    [Test]
    public void OutsideScope_ChangedPathsAsGitListsThem_OnlyThoseNoGlobAllowsInTheirOrder()
    {
        var guard = new PathGuard(_root, ["src/", "docs/*.md", "./Makefile"]);

        var outside = guard.OutsideScope(["src/app.py", "README.md", "src/deep/new.txt", "docs/guide.md", "docs/img/a.png", "Makefile", "tests/t.py"]);

        Assert.Multiple(() =>
        {
            Assert.That(outside, Is.EqualTo(new[] { "README.md", "docs/img/a.png", "tests/t.py" }));
            Assert.That(guard.ScopeText, Is.EqualTo("src/**, docs/*.md, Makefile"));
        });
    }

    [Test]
    public void OutsideScope_PhaseWithoutScope_NothingIsOutside()
    {
        var guard = new PathGuard(_root, null);

        Assert.Multiple(() =>
        {
            Assert.That(guard.OutsideScope(["anything/at/all.txt", ".github/workflows/ci.yml"]), Is.Empty);
            Assert.That(guard.ScopeText, Is.Empty);
        });
    }
}
