using System.Net;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Logging;

/// <summary>
/// Request lines in the JSON log file (the real Serilog file sink at AUTOPACK_LOG_PATH): at the default level a
/// fast successful request writes none, a failing or slow one writes one; AUTOPACK_LOG_REQUESTS=all writes them all.
/// </summary>
public sealed class RequestLoggingTests
{
    private const string RequestLine = "HTTP {RequestMethod} {RequestPath} responded {StatusCode}";

    [Test]
    public async Task Get_SuccessfulRequestsAtTheDefaultLevel_WriteNoRequestLine()
    {
        using var api = new ApiHarness();
        for (var i = 0; i < 5; i++)
        {
            using var response = await api.Client.GetAsync(new Uri("/runs", UriKind.Relative));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // A failing request afterwards shows the log is written, and that nothing before it was.
        using (await api.Client.GetAsync(new Uri(TestHooks.ThrowPath, UriKind.Relative)))
        {
        }

        Assert.That(await Eventually.TrueAsync(() => RequestLines(api).Any(l => l.Contains(TestHooks.ThrowPath, StringComparison.Ordinal))), Is.True);
        Assert.That(RequestLines(api).Where(l => l.Contains("\"RequestPath\":\"/runs\"", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task Get_ServerError_WritesAnErrorRequestLine()
    {
        using var api = new ApiHarness();

        using (await api.Client.GetAsync(new Uri(TestHooks.ThrowPath, UriKind.Relative)))
        {
        }

        Assert.That(
            await Eventually.TrueAsync(() => RequestLines(api).Any(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) && l.Contains("\"StatusCode\":500", StringComparison.Ordinal))),
            Is.True,
            string.Join('\n', RequestLines(api)));
    }

    [Test]
    public async Task Get_SlowerThanTheThreshold_WritesAWarningRequestLine()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_SLOW_REQUEST_MS"] = "0" });

        using (await api.Client.GetAsync(new Uri("/runs", UriKind.Relative)))
        {
        }

        Assert.That(
            await Eventually.TrueAsync(() => RequestLines(api).Any(l => l.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal) && l.Contains("\"RequestPath\":\"/runs\"", StringComparison.Ordinal))),
            Is.True,
            string.Join('\n', RequestLines(api)));
    }

    [Test]
    public async Task Get_LogRequestsAll_WritesALineForEverySuccessfulRequest()
    {
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_LOG_REQUESTS"] = "all" });
        for (var i = 0; i < 3; i++)
        {
            using (await api.Client.GetAsync(new Uri("/runs", UriKind.Relative)))
            {
            }
        }

        Assert.That(
            await Eventually.TrueAsync(() => RequestLines(api).Count(l => l.Contains("\"RequestPath\":\"/runs\"", StringComparison.Ordinal)) == 3),
            Is.True,
            string.Join('\n', RequestLines(api)));
    }

    private static List<string> RequestLines(ApiHarness api)
    {
        var path = Path.Combine(api.Db.FolderPath, "logs", "api.jsonl");
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Where(l => l.Contains(RequestLine, StringComparison.Ordinal)).ToList();
    }
}
