using System.Net;
using System.Text.RegularExpressions;
using Autopack.Api.Dashboard;
using Autopack.Api.Tests.Support;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>The page and its files, served from the Api assembly with strict headers, no build step.</summary>
public sealed partial class DashboardPageTests
{
    private static readonly string[] Modules = ["dashboard.js", "api.js", "dom.js", "format.js", "chart.js", "widgets.js", "overview.js", "run.js"];

    private ApiHarness api = null!;

    [OneTimeSetUp]
    public void StartApi() => api = new ApiHarness();

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [TestCase("/dashboard")]
    [TestCase("/dashboard/runs/any-run")]
    [TestCase("/dashboard/runs/not%20a%20real%20run")]
    public async Task GetPage_AnyDashboardPath_ServesTheHtmlPageWithStrictHeaders(string path)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(html, Does.StartWith("<!doctype html>"));
            Assert.That(html, Does.Contain("<script type=\"module\" src=\"/dashboard/assets/dashboard.js\"></script>"));
            Assert.That(html, Does.Contain("<main id=\"main\""));
            Assert.That(html, Does.Not.Contain("any-run"), "the page is static: run data only ever arrives as JSON");
            Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("script-src 'self'").And.Contain("default-src 'none'"));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(response.Headers.ETag, Is.Not.Null);
        });
    }

    [Test]
    public async Task GetPage_DatabaseNotMigrated_StillServesThePageWhileTheJsonSaysWhy()
    {
        using var unmigrated = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_DB"] = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "autopack.db") });

        using var page = await unmigrated.Client.GetAsync(new Uri("/dashboard", UriKind.Relative));
        using var summary = await unmigrated.Client.GetAsync(new Uri("/dashboard/api/summary", UriKind.Relative));

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(summary.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var problem = await ApiHarness.ReadProblemAsync(summary);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("autopack db migrate"));
    }

    [TestCaseSource(nameof(Modules))]
    [TestCase("dashboard.css")]
    public async Task GetAsset_EachFile_ServedWithItsTypeAndRevalidatedByETag(string file)
    {
        using var first = await api.Client.GetAsync(new Uri($"/dashboard/assets/{file}", UriKind.Relative));
        var etag = first.Headers.ETag;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/dashboard/assets/{file}");
        request.Headers.IfNoneMatch.Add(etag!);
        using var again = await api.Client.SendAsync(request);

        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first.Content.Headers.ContentType?.MediaType, Is.EqualTo(file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : "text/css"));
            Assert.That(first.Headers.CacheControl?.NoCache, Is.True);
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        });
    }

    [TestCase("/dashboard/assets/nothing.js")]
    [TestCase("/dashboard/assets/..%2FAutopack.Api.dll")]
    [TestCase("/dashboard/assets/index.html")]
    public async Task GetAsset_UnknownOrOutsideFile_Returns404Problem(string path)
    {
        using var response = await api.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task HeadPage_AnswersWithoutABody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/dashboard");
        using var response = await api.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public void EmbeddedAssets_EveryModuleImportResolvesToAnEmbeddedFile()
    {
        var assets = DashboardAssets.Embedded;

        Assert.That(assets.Names, Is.SupersetOf(Modules.Append("dashboard.css").Append("index.html")));
        foreach (var module in Modules)
        {
            var source = Text(module);
            foreach (Match import in ImportPattern().Matches(source))
            {
                Assert.That(assets.Find(import.Groups[1].Value), Is.Not.Null, $"{module} imports {import.Groups[1].Value}");
            }
        }
    }

    /// <summary>
    /// Escaping by construction: the scripts never hand a string to the HTML parser. (The browser test shows a
    /// hostile goal rendered as text; this keeps a later edit from opening the door.)
    /// </summary>
    [TestCaseSource(nameof(Modules))]
    public void Script_NeverParsesStringsAsHtml(string module)
    {
        var source = Text(module);

        Assert.That(source, Does.Not.Contain("innerHTML").And.Not.Contain("outerHTML").And.Not.Contain("insertAdjacentHTML")
            .And.Not.Contain("document.write").And.Not.Contain("eval(").And.Not.Contain("new Function"));
    }

    private static string Text(string file) => System.Text.Encoding.UTF8.GetString(DashboardAssets.Embedded.Find(file)!.Content.Span);

    [GeneratedRegex(@"from '\./([a-z]+\.js)'")]
    private static partial Regex ImportPattern();
}
