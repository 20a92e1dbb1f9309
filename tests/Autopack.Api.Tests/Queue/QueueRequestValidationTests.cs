using System.Net;
using Autopack.Api.Tests.Support;

namespace Autopack.Api.Tests.Queue;

/// <summary>
/// PATCH /queue and POST /admin/mode refuse bad bodies with a 400 naming the field, and store nothing. One server
/// for every case: each one checks that the settings and the events trail are as they started.
/// </summary>
public sealed class QueueRequestValidationTests
{
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public void StartApi() => api = new ApiHarness();

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    private long Scalar(string sql) => api.Db.Scalar(sql);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = ApiHarness.Json(json) };
        return await api.Client.SendAsync(request);
    }

    [TestCase("""{"dispatch": "no"}""", "dispatch")]
    [TestCase("""{"dispatch": 0}""", "dispatch")]
    [TestCase("""{"executing_limit": 0}""", "executing_limit")]
    [TestCase("""{"executing_limit": -2}""", "executing_limit")]
    [TestCase("""{"executing_limit": 1.5}""", "executing_limit")]
    [TestCase("""{"executing_limit": "4"}""", "executing_limit")]
    [TestCase("""{"executing_limit": 100001}""", "executing_limit")]
    [TestCase("""{"executing_limit": 99999999999999999999}""", "executing_limit")]
    [TestCase("""{"dispatch": false, "dispach": true}""", "dispach")]
    [TestCase("""{"dispatch": true, "dispatch": false}""", "dispatch")]
    [TestCase("""{"mode": "DRAINING"}""", "mode")]
    [TestCase("""{}""", "body")]
    [TestCase("""[{"dispatch": false}]""", "body")]
    [TestCase("""null""", "body")]
    public async Task PatchQueue_BadInput_400NamingTheFieldAndNothingStored(string json, string field)
    {
        using var response = await SendAsync(HttpMethod.Patch, "/queue", json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EqualTo(new[] { field }));
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith(field + ": "));
            Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 1 AND mode = 'NORMAL' AND executing_limit IS NULL"), Is.EqualTo(1));
            Assert.That(Scalar("SELECT count(*) FROM events"), Is.Zero);
        });
    }

    [TestCase("""{"mode": "drain"}""", "mode")]
    [TestCase("""{"mode": "draining"}""", "mode")]
    [TestCase("""{"mode": null}""", "mode")]
    [TestCase("""{"mode": 1}""", "mode")]
    [TestCase("""{}""", "mode")]
    [TestCase("""{"mode": "DRAINING", "force": true}""", "force")]
    [TestCase("\"DRAINING\"", "body")]
    public async Task PostAdminMode_BadInput_400NamingTheFieldAndModeUnchanged(string json, string field)
    {
        using var response = await SendAsync(HttpMethod.Post, "/admin/mode", json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EqualTo(new[] { field }));
        Assert.That(Scalar("SELECT count(*) FROM queue_settings WHERE dispatch = 1 AND mode = 'NORMAL' AND executing_limit IS NULL"), Is.EqualTo(1));
        Assert.That(Scalar("SELECT count(*) FROM events"), Is.Zero);
    }
}
