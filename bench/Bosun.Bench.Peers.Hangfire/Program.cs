using Bosun.Bench.Peers;
using Bosun.Bench.Peers.Hangfire;

// producer|executor sqlite PATH | postgres CONNECTION-STRING [tuned]
return await PeerRole.RunAsync(args, a => new HangfireProducer(HangfireStore.Open(a)), a => new HangfireExecutor(HangfireStore.Open(a), a));
