using Autopack.Api.Control;
using Autopack.Storage.Runtime;

namespace Autopack.Cli.Commands;

/// <summary>The body shared by `runs stop|abort` and `phases timeout`: store the request and write the control file, or say why not.</summary>
public static class ControlFileCommand
{
    /// <summary>Returns the line to print; an unknown id or an ended run or phase is a one-line error.</summary>
    public static async Task<string> RequestAsync(CliContext ctx, ControlCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(command);
        var sent = await new ControlRequestSender(new ControlRequests(ctx.MigratedDatabase(), TimeProvider.System, ctx.Storage), ctx.Runtime)
            .SendAsync(command, ControlSource.Cli, cancellationToken).ConfigureAwait(false);
        var result = sent.Request;
        if (result.AlreadyEnded is { } ended)
        {
            throw new CliException(ended, 5);
        }

        return result.EndedNow
            ? $"run {result.RunId} ABORTED at once (no executor held it; request {result.RequestId})"
            : $"wrote {command.Content} to {sent.FilePath}";
    }
}
