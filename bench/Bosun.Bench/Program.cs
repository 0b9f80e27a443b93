using Bosun.Bench;

return await BenchRunner.RunAsync(args);
