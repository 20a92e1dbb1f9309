using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Autopack.Domain.Budgets;
using Autopack.Gateway;
using Autopack.Llm;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;
using Autopack.Testing;
using Microsoft.Extensions.Logging.Abstractions;

// The metered endpoint's cost per request: the same chat-completions requests sent straight to a loopback provider
// and through the endpoint (key check, count, reserve, forward, read the usage, settle), one client and 16 at once,
// not streamed and streamed. `--requests N` per case (default 400), `--clients N` for the concurrent cases (16).
var requests = Option("--requests", 400);
var clients = Option("--clients", 16);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");

await using var standIn = await ProviderStandIn.StartAsync();
standIn.ReportCompletion = _ => 64;
using var db = new TestDatabase();
await db.CreateRunAsync(new PlanBuilder("bench-run", 1_000_000_000_000).Phase("bench-p1", cap: 1_000_000_000_000, provider: "openai").Build());
var settings = new LlmSettings { OpenAiBaseUrl = standIn.BaseUrl + "/v1", OpenAiApiKey = "sk-bench-real-key" };
await using var pipelines = new ProviderPipelines(ProviderCatalog.KnownNames, new ResilienceOptions { MinimumThroughput = 1_000_000 }, TimeProvider.System);
var providers = new ProviderCatalog([new OpenAiChatProvider(new HttpClient { BaseAddress = new Uri(settings.OpenAiBaseUrl + "/") }, "gpt-bench", "sk-bench-real-key")]);
await using var endpoint = new MeteredEndpoint(new TokenLedger(db.Database, TimeProvider.System), providers, pipelines, settings, new BudgetSettings(), NullLogger<MeteredEndpoint>.Instance);
await using var gateway = await endpoint.StartAttemptAsync(new GatewayAttempt("bench-run", "bench-p1", "bench", "openai", "gpt-bench", "owner-bench"), CancellationToken.None);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
var direct = (Url: $"{standIn.BaseUrl}/v1/chat/completions", Key: "sk-bench-real-key");
var metered = (Url: $"{gateway.OpenAiBaseUrl}/chat/completions", Key: gateway.Key);

Console.WriteLine($"{requests} requests per case; prompt: a system and a user message of ~300 tokens and one tool; 64 completion tokens; streams: 10 events");
Console.WriteLine("case | path | clients | median ms | p90 ms | p99 ms | req/s");
foreach (var stream in new[] { false, true })
{
    foreach (var concurrency in new[] { 1, clients })
    {
        var body = Body(stream);
        await MeasureAsync(direct, body, concurrency, requests / 4, record: false);
        await MeasureAsync(metered, body, concurrency, requests / 4, record: false);

        // Interleaved rounds, so drift in the machine's load falls on both paths alike.
        var straight = new List<double>();
        var through = new List<double>();
        TimeSpan straightTime = default, throughTime = default;
        for (var round = 0; round < 4; round++)
        {
            var (a, ta) = await MeasureAsync(direct, body, concurrency, requests / 4, record: true);
            var (b, tb) = await MeasureAsync(metered, body, concurrency, requests / 4, record: true);
            straight.AddRange(a);
            through.AddRange(b);
            straightTime += ta;
            throughTime += tb;
        }

        var kind = stream ? "streamed" : "whole";
        Report(kind, "direct", concurrency, straight, straightTime);
        Report(kind, "metered", concurrency, through, throughTime);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{kind} | overhead | {concurrency} | {Percentile(through, 0.5) - Percentile(straight, 0.5):F2} | {Percentile(through, 0.9) - Percentile(straight, 0.9):F2} | {Percentile(through, 0.99) - Percentile(straight, 0.99):F2} |"));
    }
}

// Where the time goes: the parts of a metered request on their own.
var ledger = new TokenLedger(db.Database, TimeProvider.System);
var sample = Encoding.UTF8.GetBytes(Body(stream: false));
var parse = Timed(requests, () => _ = Autopack.Llm.Relay.ChatCompletionsWire.ParseRequest(sample).CountPromptTokens(Autopack.Llm.Tokens.PromptTokenCounter.O200k, CancellationToken.None));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"part: read + count the request: median {Percentile(parse, 0.5):F3} ms, p99 {Percentile(parse, 0.99):F3} ms"));
foreach (var concurrency in new[] { 1, clients })
{
    var charges = new List<double>();
    var next = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        while (Interlocked.Increment(ref next) <= requests)
        {
            var start = Stopwatch.GetTimestamp();
            var call = await MeteredCall.ReserveAsync(ledger, "bench-run", "bench-p1", "owner-bench", 330, 256, 64, CancellationToken.None);
            await call.SettleAsync(new UsageRecord("bench", "openai", "gpt-bench", "builder", 40, 64));
            lock (charges)
            {
                charges.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
    })));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"part: reserve + settle (MeteredCall), {concurrency} at once: median {Percentile(charges, 0.5):F2} ms, p99 {Percentile(charges, 0.99):F2} ms, {requests / clock.Elapsed.TotalSeconds:F0}/s"));
}

var rows = db.Scalar("SELECT count(*) FROM llm_usage_events");
Console.WriteLine($"usage rows written: {rows}; reservations left: {db.Scalar("SELECT count(*) FROM token_reservations")}; estimated rows: {db.Scalar("SELECT count(*) FROM llm_usage_events WHERE estimated = 1")}");

async Task<(List<double> Latencies, TimeSpan Elapsed)> MeasureAsync((string Url, string Key) target, string body, int concurrency, int count, bool record)
{
    var latencies = new List<double>(count);
    var next = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        while (Interlocked.Increment(ref next) <= count)
        {
            var start = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Key);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || text.Length == 0)
            {
                throw new InvalidOperationException($"{target.Url}: HTTP {(int)response.StatusCode}: {text}");
            }

            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (record)
            {
                lock (latencies)
                {
                    latencies.Add(ms);
                }
            }
        }
    })));
    return (latencies, clock.Elapsed);
}

static string Body(bool stream)
{
    var user = string.Join(' ', Enumerable.Repeat("Change the handler so that it validates the request body and returns a problem for a missing field.", 15));
    return $$$$"""
        {"model":"any","max_tokens":256,"stream":{{{{(stream ? "true" : "false")}}}},
         "messages":[{"role":"system","content":"You are a coding agent working in a repository."},{"role":"user","content":"{{{{user}}}}"}],
         "tools":[{"type":"function","function":{"name":"write_file","description":"Writes a file","parameters":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}}}]}
        """;
}

static List<double> Timed(int count, Action action)
{
    var times = new List<double>(count);
    for (var i = 0; i < count; i++)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    return times;
}

static double Percentile(List<double> values, double q)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

static void Report(string kind, string path, int concurrency, List<double> latencies, TimeSpan elapsed) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{kind} | {path} | {concurrency} | {Percentile(latencies, 0.5):F2} | {Percentile(latencies, 0.9):F2} | {Percentile(latencies, 0.99):F2} | {latencies.Count / elapsed.TotalSeconds:F0}"));

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
