// Fixtures run in parallel: each has its own database files and test host, and no test touches environment variables.
[assembly: Parallelizable(ParallelScope.Fixtures)]
