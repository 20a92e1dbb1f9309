namespace Autopack.Llm.Tests.Support;

/// <summary>What the scripted provider server answers to one request: a status, a body, after a delay.</summary>
public sealed record ScriptedReply(int Status, string Body, TimeSpan Delay = default)
{
    public static ScriptedReply Json(string body) => new(200, body);

    public static ScriptedReply Error(int status, string body = """{"error":{"message":"scripted failure"}}""") => new(status, body);
}
