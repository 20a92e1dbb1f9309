namespace Autopack.Cli;

/// <summary>
/// The entry point. An explicit internal class rather than top-level statements: ASP.NET Core's generator makes a
/// top-level Program public, which would clash with the API's own Program in projects that reference both.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CliInvocation.InvokeAsync(AutopackCli.Create(Directory.GetCurrentDirectory()), args);
}
