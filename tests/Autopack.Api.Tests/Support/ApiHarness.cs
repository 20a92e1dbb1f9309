using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autopack.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Autopack.Api.Tests.Support;

/// <summary>A migrated temp database, the API over it in a test server, and a client.</summary>
public sealed class ApiHarness : IDisposable
{
    public ApiHarness(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Db = new TestDatabase();
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AUTOPACK_DB"] = Db.Database.FullPath,
            ["AUTOPACK_RUNS_DIR"] = Db.RunsDirectory,
            ["AUTOPACK_LOG_PATH"] = System.IO.Path.Combine(Db.FolderPath, "logs", "api.jsonl"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        Factory = new ApiFactory(all, services);
        Client = Factory.CreateClient();
    }

    public TestDatabase Db { get; }

    public ApiFactory Factory { get; }

    public HttpClient Client { get; }

    public T Service<T>()
        where T : notnull => Factory.Services.GetRequiredService<T>();

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public Task<HttpResponseMessage> PostPlanAsync(string json) => Client.PostAsync(new Uri("/runs", UriKind.Relative), Json(json));

    public Task<HttpResponseMessage> PostAsync(string path, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        return Client.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        return await ReadJsonAsync(response);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Reads an RFC 9457 answer, asserting it is one.</summary>
    public static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), await response.Content.ReadAsStringAsync());
        var problem = await ReadJsonAsync(response);
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)response.StatusCode));
        Assert.That(problem.TryGetProperty("title", out _), Is.True);
        return problem;
    }

    public static MediaTypeHeaderValue JsonType => new("application/json");

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
        Db.Dispose();
    }
}
