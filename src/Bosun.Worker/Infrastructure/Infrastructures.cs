using Bosun.Contracts.WorkPools;

namespace Bosun.Worker.Infrastructure;

/// <summary>The infrastructure for each pool type this worker build supports.</summary>
public static class Infrastructures
{
    /// <summary>A new launcher for pool type <paramref name="poolType"/>; <see cref="WorkerStartupException"/> when this build has none.</summary>
    public static FlowRunInfrastructure For(string poolType) => poolType switch
    {
        WorkPoolTypes.Process => new ProcessInfrastructure(),
        WorkPoolTypes.Docker => new DockerInfrastructure(),
        _ => throw new WorkerStartupException(
            $"This worker cannot run work pools of type '{poolType}' yet; supported: {WorkPoolTypes.Process}, {WorkPoolTypes.Docker}."),
    };
}
