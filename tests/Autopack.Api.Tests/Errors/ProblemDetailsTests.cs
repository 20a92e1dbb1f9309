using System.Net;
using Autopack.Api.Tests.Support;

namespace Autopack.Api.Tests.Errors;

public sealed class ProblemDetailsTests
{
    private ApiHarness api = null!;

    [OneTimeSetUp]
    public void StartApi() => api = new ApiHarness();

    [OneTimeTearDown]
    public void StopApi() => api.Dispose();

    [Test]
    public async Task UnknownRoute_Returns404Problem()
    {
        using var response = await api.Client.GetAsync(new Uri("/no/such/thing", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("/no/such/thing"));
    }

    [Test]
    public async Task WrongMethod_Returns405Problem()
    {
        using var response = await api.Client.DeleteAsync(new Uri("/runs", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        await ApiHarness.ReadProblemAsync(response);
    }

    [Test]
    public async Task UnexpectedException_Returns500ProblemWithoutInternals()
    {
        using var response = await api.Client.GetAsync(new Uri(TestHooks.ThrowPath, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        var problem = await ApiHarness.ReadProblemAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(problem.ToString(), Does.Not.Contain(TestHooks.SecretMessage));
            Assert.That(problem.GetProperty("trace_id").GetString(), Is.Not.Empty);
            Assert.That(problem.TryGetProperty("traceId", out _), Is.False, "snake_case throughout");
        });
    }

    [Test]
    public async Task OpenApiDocument_DescribesTheEndpoints()
    {
        var document = await api.GetJsonAsync("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.Multiple(() =>
        {
            foreach (var path in new[] { "/runs", "/runs/{run_id}", "/runs/{run_id}/phases", "/runs/{run_id}/usage", "/runs/{run_id}/stop", "/runs/{run_id}/abort", "/phases/{phase_id}/timeout", "/circuit-breakers", "/circuit-breakers/reset", "/health", "/ready",
                "/runs/{run_id}/phases/{phase_id}/attempts", "/runs/{run_id}/phases/{phase_id}/attempts/{attempt}/{kind}" })
            {
                Assert.That(paths.TryGetProperty(path, out _), Is.True, path);
            }

            var plan = document.GetProperty("components").GetProperty("schemas").GetProperty("RunPlan").GetProperty("properties");
            Assert.That(plan.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "run_id", "goal", "token_cap", "tiers", "workspace" }));
            var phase = document.GetProperty("components").GetProperty("schemas").GetProperty("PhasePlan").GetProperty("properties");
            Assert.That(phase.EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[] { "scope", "max_turns", "offline_edits", "verify" }));
        });
    }
}
