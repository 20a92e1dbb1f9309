using Autopack.Cli;

return await AutopackCli.Create(Directory.GetCurrentDirectory()).Parse(args).InvokeAsync().ConfigureAwait(false);
