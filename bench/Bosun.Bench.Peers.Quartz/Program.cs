using Bosun.Bench.Peers;
using Bosun.Bench.Peers.Quartz;

// producer|executor sqlite PATH | postgres CONNECTION-STRING [tuned]
return await PeerRole.RunAsync(args, a => new QuartzProducer(a), a => new QuartzExecutor(a));
