using Bosun.Bench.Peers;
using Bosun.Bench.Peers.Bosun;
using Bosun.Client;

// producer API_URL | executor API_URL
return await PeerRole.RunAsync(args,
    a => new BosunProducer(BosunClientOptions.NormalizeApiUrl(a[0])),
    a => new BosunServeExecutor(BosunClientOptions.NormalizeApiUrl(a[0])));
