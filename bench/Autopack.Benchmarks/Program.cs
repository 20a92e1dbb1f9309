using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Autopack.Benchmarks -- --filter '*Ledger*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Autopack.Benchmarks.BenchmarkDatabase).Assembly).Run(args);
