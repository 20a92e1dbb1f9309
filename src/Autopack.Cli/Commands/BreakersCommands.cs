using System.CommandLine;
using System.Globalization;
using Autopack.Storage.Breakers;

namespace Autopack.Cli.Commands;

/// <summary><c>autopack breakers list|reset</c>: the states the executors publish, and manual resets they apply.</summary>
public static class BreakersCommands
{
    public static Command Create(string cwd)
    {
        var breakers = new Command("breakers", "Circuit breakers around the providers.");

        var list = new Command("list", "Show each breaker's last published state.");
        CommandAction.Set(list, cwd, async (_, ctx, ct) =>
        {
            var rows = await new BreakerStates(ctx.MigratedDatabase(), ctx.Time).ListAsync(ct).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                await ctx.Out.WriteLineAsync("no breaker states published yet (no executor has run)").ConfigureAwait(false);
            }

            foreach (var row in rows)
            {
                var opened = row.OpenedAt is { } at ? $" opened {at.ToString("u", CultureInfo.InvariantCulture)}" : string.Empty;
                var pending = row.ResetPending ? " (reset requested)" : string.Empty;
                await ctx.Out.WriteLineAsync($"{row.Name,-12} {row.State,-10} failures {row.FailureCount}{opened}{pending}  updated {row.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)} by {row.ReportedBy}").ConfigureAwait(false);
            }

            return 0;
        });

        var name = new Option<string?>("--name") { Description = "Only this breaker (offline, openai, anthropic); all when omitted." };
        var reset = new Command("reset", "Ask the executors to close the breakers now (applied at their next heartbeat).") { name };
        CommandAction.Set(reset, cwd, async (parse, ctx, ct) =>
        {
            var target = parse.GetValue(name);
            if (target is not null && !Llm.Providers.ProviderCatalog.KnownNames.Contains(target))
            {
                throw new CliException($"--name: unknown breaker '{target}' (known: {string.Join(", ", Llm.Providers.ProviderCatalog.KnownNames)})", 2);
            }

            var count = await new BreakerStates(ctx.MigratedDatabase(), ctx.Time).RequestResetAsync(target, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"reset requested for {count} breaker(s); executors apply it within one heartbeat").ConfigureAwait(false);
            return 0;
        });

        breakers.Add(list);
        breakers.Add(reset);
        return breakers;
    }
}
