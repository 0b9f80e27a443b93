namespace Bosun.Kubernetes.Emulator;

/// <summary>The one node of an emulated cluster: what it can schedule, and the labels of the containers it runs.</summary>
/// <param name="ContainerLabels">Labels on every container the node creates (the test's id label, by which they are removed).</param>
/// <param name="Cpu">Allocatable CPU, as a quantity (4, 500m).</param>
/// <param name="Memory">Allocatable memory, as a quantity (8Gi).</param>
internal sealed record EmulatedNodeOptions(IReadOnlyDictionary<string, string> ContainerLabels, string Cpu = "4", string Memory = "8Gi")
{
    public const string NodeName = "emulator-node";

    /// <summary>Taints of the node, as key=value:effect; a pod must tolerate each to be scheduled.</summary>
    public IReadOnlyList<(string Key, string Value, string Effect)> Taints { get; init; } = [];
}
