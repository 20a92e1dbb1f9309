using System.Text.Json;
using Autopack.Api.Security;
using Autopack.Api.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Autopack.Api.Tests.OpenApi;

/// <summary>
/// What a client generated from /openapi/v1.json relies on, and what <c>redocly lint</c>'s recommended rules ask:
/// a summary per operation, the API key declared where the middleware requires it, the 4xx answers each handler
/// can give, and a server URL without a trailing slash.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private const int Unauthorized = StatusCodes.Status401Unauthorized;
    private const int TooManyRequests = StatusCodes.Status429TooManyRequests;

    /// <summary>
    /// The 4xx answers each handler gives by itself (read from the handlers); 401 (mutating requests, from the API key
    /// middleware) and 429 (every request, from the global rate limiter) are added below by the same rules those use.
    /// </summary>
    private static readonly Dictionary<string, int[]> HandlerAnswers = new(StringComparer.Ordinal)
    {
        ["CreateRun"] = [400, 409, 413, 415],
        ["ListRuns"] = [400],
        ["GetRun"] = [404],
        ["GetRunPhases"] = [404],
        ["GetRunUsage"] = [404],
        ["StopRun"] = [404, 409],
        ["AbortRun"] = [404, 409],
        ["TimeoutPhase"] = [404, 409],
        ["ListAttempts"] = [404],
        ["GetAttemptFile"] = [400, 404],
        ["ListCircuitBreakers"] = [],
        ["ResetCircuitBreakers"] = [400, 404],
        ["GetHealth"] = [],
        ["GetReady"] = [],
        ["GetQueue"] = [],
        ["UpdateQueue"] = [400, 413, 415],
        ["GetQueueHeartbeat"] = [],
        ["SetQueueMode"] = [400, 413, 415],
        ["RequeueRun"] = [404, 409],
        ["DashboardSummary"] = [400],
        ["DashboardRun"] = [404],
        ["DashboardRunEvents"] = [400, 404],
        ["DashboardUsageOverTime"] = [400, 404],
    };

    private ApiHarness api = null!;
    private JsonElement document;

    [OneTimeSetUp]
    public async Task FetchDocument()
    {
        api = new ApiHarness();
        document = await api.GetJsonAsync("/openapi/v1.json");
    }

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public void Document_EveryOperation_HasAOneLineSummary()
    {
        Assert.Multiple(() =>
        {
            foreach (var (method, path, operation) in Operations())
            {
                Assert.That(
                    operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null,
                    Is.Not.Null.And.Not.Empty.And.Not.Contains("\n"),
                    $"{method} {path}");
            }
        });
    }

    [Test]
    public void Document_SecuritySchemes_DeclareTheApiKeyHeaderAndBearer()
    {
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var header = schemes.GetProperty(ApiKeySecurityTransformer.HeaderScheme);
        var bearer = schemes.GetProperty(ApiKeySecurityTransformer.BearerScheme);
        Assert.Multiple(() =>
        {
            Assert.That(header.GetProperty("type").GetString(), Is.EqualTo("apiKey"));
            Assert.That(header.GetProperty("in").GetString(), Is.EqualTo("header"));
            Assert.That(header.GetProperty("name").GetString(), Is.EqualTo(ApiKeyVerifier.HeaderName));
            Assert.That(bearer.GetProperty("type").GetString(), Is.EqualTo("http"));
            Assert.That(bearer.GetProperty("scheme").GetString(), Is.EqualTo("bearer"));
        });
    }

    [Test]
    public void Document_Operations_RequireTheKeyExactlyWhereTheMiddlewareDoes()
    {
        var declared = document.GetProperty("components").GetProperty("securitySchemes").EnumerateObject().Select(s => s.Name).ToList();
        Assert.Multiple(() =>
        {
            foreach (var (method, path, operation) in Operations())
            {
                var alternatives = operation.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().Select(r => r.EnumerateObject().Select(s => s.Name).ToList()).ToList()
                    : [];
                if (ApiKeyVerifier.IsMutating(method))
                {
                    // Either scheme alone is enough: each alternative names exactly one of them.
                    Assert.That(
                        alternatives,
                        Is.EquivalentTo(new[] { new[] { ApiKeySecurityTransformer.HeaderScheme }, new[] { ApiKeySecurityTransformer.BearerScheme } }),
                        $"{method} {path}");
                    Assert.That(alternatives.SelectMany(a => a), Is.SubsetOf(declared), $"{method} {path}");
                }
                else
                {
                    Assert.That(alternatives, Is.Empty, $"{method} {path} is a read: no key");
                }
            }
        });
    }

    [Test]
    public void Document_EveryOperation_ListsThe4xxAnswersItCanGive()
    {
        var operationIds = new List<string>();
        Assert.Multiple(() =>
        {
            foreach (var (method, path, operation) in Operations())
            {
                var id = operation.GetProperty("operationId").GetString()!;
                operationIds.Add(id);
                if (!HandlerAnswers.TryGetValue(id, out var answers))
                {
                    Assert.Fail($"{method} {path} ({id}): say which 4xx answers its handler gives in {nameof(HandlerAnswers)}");
                    continue;
                }

                var expected = answers.Append(TooManyRequests).Concat(ApiKeyVerifier.IsMutating(method) ? [Unauthorized] : []).Select(Code);
                var listed = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Where(c => c.StartsWith('4'));
                Assert.That(listed, Is.EquivalentTo(expected), $"{method} {path} ({id})");
            }
        });
        Assert.That(HandlerAnswers.Keys, Is.SubsetOf(operationIds), "every listed operation is in the document");
    }

    [Test]
    public void Document_Servers_HaveNoTrailingSlash()
    {
        var servers = document.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()).ToList();

        Assert.That(servers, Is.Not.Empty.And.All.Not.EndsWith("/"));
    }

    [Test]
    public void Document_EveryTag_HasADescription()
    {
        var tags = document.GetProperty("tags").EnumerateArray().ToList();
        var used = Operations().SelectMany(o => o.Operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString())).Distinct();

        Assert.Multiple(() =>
        {
            Assert.That(tags.Select(t => t.GetProperty("name").GetString()), Is.SupersetOf(used));
            foreach (var tag in tags)
            {
                Assert.That(tag.TryGetProperty("description", out var description) ? description.GetString() : null, Is.Not.Null.And.Not.Empty, tag.ToString());
            }
        });
    }

    private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private IEnumerable<(string Method, string Path, JsonElement Operation)> Operations()
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is not ("parameters" or "summary" or "description" or "servers")))
            {
                yield return (operation.Name.ToUpperInvariant(), path.Name, operation.Value);
            }
        }
    }
}
