using System.CommandLine;
using Autopack.Api;

namespace Autopack.Cli.Commands;

/// <summary>
/// <c>autopack serve</c>: the API server on AUTOPACK_BIND_ADDRESS:AUTOPACK_PORT (127.0.0.1:8000 by default) until
/// interrupted. A non-local bind is refused without AUTOPACK_ALLOW_NON_LOCAL=1 and AUTOPACK_API_KEY.
/// </summary>
public static class ServeCommand
{
    public static Command Create(string cwd)
    {
        var command = new Command(
            "serve",
            "Start the API server on AUTOPACK_BIND_ADDRESS:AUTOPACK_PORT (127.0.0.1:8000 by default): runs, phases, usage, /health, /ready, /metrics. Does not migrate the database (see 'db migrate').");
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            // A bad setting or an unsafe bind throws SettingsException naming it: the CLI's one-line error, exit 2.
            // Every setting is checked, as for any command, though the server itself reads only its own.
            _ = ctx.Settings;
            await ApiHost.RunAsync(ctx.WorkingDirectory, ctx.Out, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
