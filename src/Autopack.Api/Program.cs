using Autopack.Api;

var app = AutopackApi.Build(args);
app.Run();

/// <summary>The API's entry point; public for WebApplicationFactory&lt;Program&gt; in tests.</summary>
public partial class Program;
