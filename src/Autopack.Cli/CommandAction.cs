using System.CommandLine;
using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Domain.Settings;
using Autopack.Storage.Runs;

namespace Autopack.Cli;

/// <summary>
/// Runs a command's body with the error policy of the CLI: a failure the operator can act on is one line on
/// stderr and a non-zero exit code, never a stack trace.
/// </summary>
public static class CommandAction
{
    public static void Set(Command command, string workingDirectory, Func<ParseResult, CliContext, CancellationToken, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(workingDirectory, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            await using (context.ConfigureAwait(false))
            {
                try
                {
                    return await body(parse, context, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (Describe(ex, context) is { } failure)
                {
                    await context.Error.WriteLineAsync($"error: {failure.Message}").ConfigureAwait(false);
                    return failure.ExitCode;
                }
            }
        });
    }

    private static (string Message, int ExitCode)? Describe(Exception ex, CliContext context) => ex switch
    {
        CliException cli => (cli.Message, cli.ExitCode),
        SettingsException settings => (settings.Message, 2),
        PlanValidationException plan => ($"invalid plan: {plan.Message}", 2),
        DuplicateIdException duplicate => (duplicate.Message, 3),
        NotFoundException notFound => (notFound.Message, 4),
        IllegalTransitionException illegal => (illegal.Message, 5),
        OperationCanceledException => ("cancelled", 130),
        IOException io => (io.Message, 1),
        UnauthorizedAccessException denied => (denied.Message, 1),
        Microsoft.Data.Sqlite.SqliteException sqlite => ($"database: {sqlite.Message}", 1),
        System.Data.Common.DbException database => (ServerFailure(database, context), 1),
        _ => null,
    };

    /// <summary>
    /// A database server's failure (PostgreSQL: unreachable, refused login, no such database) in one line that names
    /// AUTOPACK_DB and where it points, with the cause a socket error hides behind "Failed to connect".
    /// </summary>
    private static string ServerFailure(System.Data.Common.DbException ex, CliContext context)
    {
        var cause = ex.InnerException is { } inner && ex is not Npgsql.PostgresException ? $"{ex.Message}: {inner.Message}" : ex.Message;
        return $"database {context.Database} (AUTOPACK_DB): {string.Join(' ', cause.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}";
    }
}
