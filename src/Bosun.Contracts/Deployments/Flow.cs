namespace Bosun.Contracts.Deployments;

/// <summary>A flow: a name that deployments and runs belong to.</summary>
/// <param name="Id">Server id.</param>
/// <param name="Name">Unique name.</param>
/// <param name="Created">First seen.</param>
public sealed record Flow(Guid Id, string Name, DateTimeOffset Created);
