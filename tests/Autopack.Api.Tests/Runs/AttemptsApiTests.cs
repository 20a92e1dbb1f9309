using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

/// <summary>What each attempt left, listed and served as plain text.</summary>
public sealed class AttemptsApiTests
{
    private const string Hostile = "<script>alert('diff')</script>\n+<img src=x onerror=alert(1)>\n";
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        api = new ApiHarness();
        await api.Db.CreateRunAsync(new PlanBuilder("att-1").Phase("att-1-a").Phase("att-1-b").Build());
        await api.Db.CreateRunAsync(new PlanBuilder("att-2").Phase("att-2-a").Build());
        var folder = Path.Combine(api.Db.RunsDirectory, "att-1", "phases", "att-1-a");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "attempt-1.diff"), Hostile);
        File.WriteAllText(Path.Combine(folder, "attempt-1.transcript.jsonl"), "{\"type\":\"prompt\"}\n");
        File.WriteAllText(Path.Combine(folder, "attempt-1.auditor.md"), "REJECTED: no test");
        File.WriteAllText(Path.Combine(folder, "attempt-2.diff"), string.Empty);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an attempt file");
    }

    [OneTimeTearDown]
    public void Stop() => api.Dispose();

    [Test]
    public async Task ListAttempts_PhaseWithFiles_ListsEachAttemptsFilesWithUrlsAndSizes()
    {
        var attempts = await api.GetJsonAsync("/runs/att-1/phases/att-1-a/attempts");

        Assert.Multiple(() =>
        {
            Assert.That(attempts.GetArrayLength(), Is.EqualTo(2));
            Assert.That(attempts[0].GetProperty("attempt").GetInt32(), Is.EqualTo(1));
            Assert.That(attempts[0].GetProperty("files").EnumerateArray().Select(f => f.GetProperty("kind").GetString()), Is.EqualTo(new[] { "diff", "transcript", "auditor" }));
            Assert.That(attempts[0].GetProperty("files")[0].GetProperty("url").GetString(), Is.EqualTo("/runs/att-1/phases/att-1-a/attempts/1/diff"));
            Assert.That(attempts[0].GetProperty("files")[0].GetProperty("bytes").GetInt64(), Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(Hostile)));
            Assert.That(attempts[1].GetProperty("files").EnumerateArray().Select(f => f.GetProperty("kind").GetString()), Is.EqualTo(new[] { "diff" }));
        });
    }

    [Test]
    public async Task ListAttempts_PhaseWithoutFiles_EmptyList() =>
        Assert.That((await api.GetJsonAsync("/runs/att-1/phases/att-1-b/attempts")).GetArrayLength(), Is.Zero);

    [Test]
    public async Task GetAttemptFile_Diff_PlainTextNeverHtml()
    {
        using var response = await api.Client.GetAsync(new Uri("/runs/att-1/phases/att-1-a/attempts/1/diff", UriKind.Relative));

        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(Hostile));
        });
    }

    [TestCase("/runs/att-1/phases/att-1-a/attempts/0/diff", HttpStatusCode.BadRequest, "attempt")]
    [TestCase("/runs/att-1/phases/att-1-a/attempts/one/diff", HttpStatusCode.BadRequest, "attempt")]
    [TestCase("/runs/att-1/phases/att-1-a/attempts/1/secrets", HttpStatusCode.BadRequest, "kind")]
    [TestCase("/runs/att-1/phases/att-1-a/attempts/1/verify", HttpStatusCode.NotFound, "kind")]
    [TestCase("/runs/att-1/phases/att-1-a/attempts/9/diff", HttpStatusCode.NotFound, "kind")]
    [TestCase("/runs/att-2/phases/att-1-a/attempts/1/diff", HttpStatusCode.NotFound, "phase_id")]
    [TestCase("/runs/att-1/phases/ghost/attempts/1/diff", HttpStatusCode.NotFound, "phase_id")]
    [TestCase("/runs/att-1/phases/ghost/attempts", HttpStatusCode.NotFound, "phase_id")]
    public async Task GetAttemptFile_BadRequest_ProblemNamingTheField(string path, HttpStatusCode status, string field)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(status));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }
}
