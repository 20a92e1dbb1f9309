using System.CommandLine;
using System.Globalization;
using Autopack.Storage.Queue;

namespace Autopack.Cli.Commands;

/// <summary>
/// <c>autopack drain [--wait [--timeout S]] | --cancel</c>: mode DRAINING (no claims: running runs finish, nothing new
/// starts), optionally waiting until nothing executes; <c>--cancel</c> is mode NORMAL again. As <c>POST /admin/mode</c>.
/// </summary>
public static class DrainCommand
{
    public static Command Create(string cwd)
    {
        var wait = new Option<bool>("--wait") { Description = "Wait until nothing is executing (exit 0), or until --timeout (exit 1)." };
        var timeout = new Option<int>("--timeout") { Description = "With --wait: give up after this many seconds (1-86400).", DefaultValueFactory = _ => 3600 };
        var cancel = new Option<bool>("--cancel") { Description = "Leave DRAINING: mode NORMAL, workers claim again." };
        var command = new Command("drain", "Mode DRAINING: workers claim nothing more, running runs finish, nothing new starts; 'autopack queue status' says when nothing is executing.")
        {
            wait,
            timeout,
            cancel,
        };
        CommandAction.Set(command, cwd, async (parse, ctx, ct) =>
        {
            var waiting = parse.GetValue(wait);
            var seconds = parse.GetValue(timeout);
            var cancelling = parse.GetValue(cancel);
            if (cancelling && waiting)
            {
                throw new CliException("--cancel: cannot be combined with --wait", 2);
            }

            if (seconds is < 1 or > 86_400)
            {
                throw new CliException($"--timeout: must be from 1 to 86400 seconds, got {seconds}", 2);
            }

            var database = ctx.MigratedDatabase();
            var mode = cancelling ? QueueMode.Normal : QueueMode.Draining;
            await new QueueControl(database, ctx.Time).UpdateAsync(new QueueChange(Mode: mode), "cli", ct).ConfigureAwait(false);
            var reader = new QueueReader(database, ctx.Time);
            var stale = TimeSpan.FromSeconds(ctx.Storage.LeaseStaleSeconds);
            var status = await reader.ReadAsync(stale, ct).ConfigureAwait(false);
            if (cancelling)
            {
                await ctx.Out.WriteLineAsync($"mode NORMAL: workers claim QUEUED runs again ({status.Queued} queued)").ConfigureAwait(false);
                return 0;
            }

            await ctx.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"mode DRAINING: nothing new starts; {status.Executing} run(s) executing")).ConfigureAwait(false);
            if (!waiting)
            {
                return 0;
            }

            var deadline = ctx.Time.GetTimestamp();
            while (!status.Drained)
            {
                if (ctx.Time.GetElapsedTime(deadline) > TimeSpan.FromSeconds(seconds))
                {
                    throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--timeout: still {status.Executing} run(s) executing after {seconds}s (the queue stays DRAINING)"));
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ctx.Time, ct).ConfigureAwait(false);
                status = await reader.ReadAsync(stale, ct).ConfigureAwait(false);
            }

            await ctx.Out.WriteLineAsync("drained: nothing executing").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
