using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Autopack.Gateway.Tests.Support;

/// <summary>An agent's HTTP calls to the metered endpoint, as the OpenAI and Anthropic SDKs make them.</summary>
public static class AgentClient
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(90) };

    /// <summary>A chat-completions request with a system and a user message, optionally streamed and with a max.</summary>
    public static JsonObject ChatRequest(string text, bool stream, int? maxTokens = 300, bool askUsage = false)
    {
        var body = new JsonObject
        {
            ["model"] = "whatever-the-agent-likes",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are a coding agent." },
                new JsonObject { ["role"] = "user", ["content"] = text }),
            ["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = "write_file",
                    ["description"] = "Writes a file",
                    ["parameters"] = JsonNode.Parse("""{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}"""),
                },
            }),
        };
        if (maxTokens is { } max)
        {
            body["max_tokens"] = max;
        }

        if (stream)
        {
            body["stream"] = true;
            if (askUsage)
            {
                body["stream_options"] = new JsonObject { ["include_usage"] = true };
            }
        }

        return body;
    }

    /// <summary>A Messages request with a system prompt, a user turn and a tool, optionally streamed.</summary>
    public static JsonObject MessagesRequest(string text, bool stream, int maxTokens = 300)
    {
        var body = new JsonObject
        {
            ["model"] = "claude-whatever",
            ["max_tokens"] = maxTokens,
            ["system"] = "You are a coding agent.",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
            ["tools"] = new JsonArray(new JsonObject
            {
                ["name"] = "write_file",
                ["description"] = "Writes a file",
                ["input_schema"] = JsonNode.Parse("""{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}"""),
            }),
        };
        if (stream)
        {
            body["stream"] = true;
        }

        return body;
    }

    /// <summary>POSTs <paramref name="body"/> (a JSON string, so tests can send broken ones) with the key as OpenAI clients send it.</summary>
    public static Task<AgentReply> OpenAiAsync(AttemptGateway gateway, string body, string? key = null, Action<int>? onEvent = null) =>
        PostAsync($"{gateway.OpenAiBaseUrl}/chat/completions", body, request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key ?? gateway.Key), onEvent);

    /// <summary>POSTs to the Anthropic API (<paramref name="path"/> under <c>/v1/</c>) with the key as Anthropic clients send it.</summary>
    public static Task<AgentReply> AnthropicAsync(AttemptGateway gateway, string body, string? key = null, string path = "messages", Action<int>? onEvent = null) =>
        PostAsync($"{gateway.AnthropicBaseUrl}/v1/{path}", body, request =>
        {
            request.Headers.Add("x-api-key", key ?? gateway.Key);
            request.Headers.Add("anthropic-version", "2023-06-01");
        }, onEvent);

    /// <summary>
    /// POSTs and reads the whole answer line by line, calling <paramref name="onEvent"/> with the number of events read
    /// so far after each one. A connection dropped before any answer is status 0, broken.
    /// </summary>
    public static async Task<AgentReply> PostAsync(string url, string body, Action<HttpRequestMessage> authorize, Action<int>? onEvent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        authorize(request);
        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException)
        {
            return new AgentReply(0, "", [], Broken: true);
        }

        using var _ = response;
        var shouldRetry = response.Headers.TryGetValues("x-should-retry", out var values) ? values.First() : null;
        var retryAfter = response.Headers.TryGetValues("retry-after", out var after) ? after.First() : null;
        var text = new StringBuilder();
        var broken = false;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var events = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                text.Append(line).Append('\n');
                if (line.Length == 0)
                {
                    onEvent?.Invoke(++events);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            broken = true;
        }

        var isStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        return new AgentReply((int)response.StatusCode, text.ToString(), isStream ? Events(text.ToString()) : [], broken)
        {
            ShouldRetry = shouldRetry,
            RetryAfter = retryAfter,
        };
    }

    private static List<(string? Name, string Data)> Events(string text)
    {
        var events = new List<(string? Name, string Data)>();
        foreach (var block in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            var data = new List<string>();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Add(line["data: ".Length..]);
                }
            }

            if (data.Count > 0)
            {
                events.Add((name, string.Join("\n", data)));
            }
        }

        return events;
    }
}
