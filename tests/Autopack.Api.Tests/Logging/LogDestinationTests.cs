using System.Net;
using Autopack.Api.Logging;
using Autopack.Api.Tests.Support;
using Autopack.Testing;

namespace Autopack.Api.Tests.Logging;

public sealed class LogDestinationTests
{
    [Test]
    public void Prepare_WritablePath_CreatesTheFolderAndIsUsable()
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("deep", "er", "autopack.jsonl");

        var destination = LogDestination.Prepare(path);

        Assert.Multiple(() =>
        {
            Assert.That(destination.FileUsable, Is.True);
            Assert.That(File.Exists(path), Is.True);
        });
    }

    [Test]
    public void Prepare_FolderBlockedByAFile_IsUnusableWithTheReason()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("blocker"), "a file, not a folder");

        var destination = LogDestination.Prepare(folder.Combine("blocker", "logs", "autopack.jsonl"));

        Assert.Multiple(() =>
        {
            Assert.That(destination.FileUsable, Is.False);
            Assert.That(destination.Problem, Is.Not.Empty);
        });
    }

    [Test]
    public async Task Api_UnusableLogPath_StillServes()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("blocker"), "x");
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_LOG_PATH"] = folder.Combine("blocker", "autopack.jsonl") });

        using var response = await api.Client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Api_UsableLogPath_WritesStructuredJsonRequestLogs()
    {
        // Every request is logged only when asked for (RequestLoggingTests has the default level).
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_LOG_REQUESTS"] = "all" });
        using (await api.Client.GetAsync(new Uri("/ready", UriKind.Relative)))
        {
        }

        var path = Path.Combine(api.Db.FolderPath, "logs", "api.jsonl");
        var lines = await ReadSharedAsync(path);

        Assert.That(
            lines.Where(l => l.StartsWith('{')).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
                .Any(e => e.TryGetProperty("RequestPath", out var p) && p.GetString() == "/ready"),
            Is.True,
            string.Join('\n', lines));
    }

    private static async Task<string[]> ReadSharedAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Any(l => l.Contains("/ready", StringComparison.Ordinal)) || attempt == 20)
            {
                return lines;
            }

            await Task.Delay(100);
        }
    }
}
