using System.Net;
using System.Text.Json;
using Autopack.Api.Tests.Support;
using Autopack.Domain.Plans;
using Autopack.Testing;

namespace Autopack.Api.Tests.Runs;

/// <summary>
/// POST /runs under thousands of seeded malformed plans and byte strings (<see cref="HostileInputs"/>): each refused
/// one is a 4xx problem with the parser's own words (what <c>autopack runs create</c> prints for the same bytes) and
/// leaves no row behind; none is a 500. Replay a failure with <c>FUZZ_SEED=&lt;seed&gt;</c>.
/// </summary>
public sealed class PlanFuzzTests
{
    private const int Count = 1500;

    [Test]
    public async Task PostRuns_GeneratedHostileInputs_Every4xxNamesTheParsersFieldAndWritesNothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 13_2026;
        await TestContext.Out.WriteLineAsync($"POST /runs fuzz: seed {seed}, {Count} inputs");
        using var api = new ApiHarness(new Dictionary<string, string?> { ["AUTOPACK_RATE_LIMIT_PER_MINUTE"] = "1000000" });
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var input in new HostileInputs(seed).Generate(Count))
        {
            var before = RowCounts.Of(api.Db);
            var expected = input.ParserRefusal();
            using var content = new ByteArrayContent(input.Bytes);
            content.Headers.ContentType = ApiHarness.JsonType;

            using var response = await api.Client.PostAsync(new Uri("/runs", UriKind.Relative), content);

            var status = (int)response.StatusCode;
            var outcome = $"{status}";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            Assert.That(status, Is.Not.EqualTo(500).And.LessThan(500), $"seed {seed}, {input}: {await response.Content.ReadAsStringAsync()}");
            if (status is 201)
            {
                Assert.That(expected, Is.Null, $"seed {seed}, {input}: created though the parser refuses it");
                continue;
            }

            var problem = await ApiHarness.ReadProblemAsync(response);
            var detail = problem.GetProperty("detail").GetString();
            Assert.Multiple(() =>
            {
                Assert.That(RowCounts.Of(api.Db), Is.EqualTo(before), $"seed {seed}, {input}: a refused input wrote rows");
                if (input.Bytes.Length > PlanLimits.MaxDocumentBytes)
                {
                    Assert.That(status, Is.EqualTo(413), $"seed {seed}, {input}");
                }
                else if (expected is not null)
                {
                    Assert.That(status, Is.EqualTo(400), $"seed {seed}, {input}");
                    Assert.That(detail, Is.EqualTo(expected.Message), $"seed {seed}, {input}: the CLI prints the parser's words");
                    Assert.That(problem.GetProperty("errors").TryGetProperty(expected.Field, out _), Is.True, $"seed {seed}, {input}");
                }
            });
        }

        await TestContext.Out.WriteLineAsync($"answers by status: {JsonSerializer.Serialize(outcomes)}");
        var health = await api.GetJsonAsync("/health");
        Assert.That(health.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("kind").GetString()), Does.Not.Contain("http_server_errors"));
    }
}
