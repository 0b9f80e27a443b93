using Bosun.Cli;

return await BosunCli.RunAsync(args);
