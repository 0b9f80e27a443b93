using Bosun.Sdk;

namespace Bosun.Bench.Peers.Bosun;

/// <summary>The comparison's trivial job as a Bosun flow.</summary>
internal static class PeerFlows
{
    public const string DeploymentName = "peers";

    public const string FullName = "peers-noop/" + DeploymentName;

    [Flow("peers-noop")]
    public static void Noop(int i) => JobStarts.Record(i);
}
