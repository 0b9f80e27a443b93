namespace Bosun.Contracts.FlowRuns;

/// <summary>Records the infrastructure a worker created for a run.</summary>
/// <param name="InfrastructureId">Process id, container id or job name.</param>
public sealed record InfrastructureUpdate(string InfrastructureId);
