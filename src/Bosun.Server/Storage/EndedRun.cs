using Bosun.Contracts.States;

namespace Bosun.Server.Storage;

/// <summary>A run that ran and ended: what a deployment's duration chart shows of it.</summary>
internal sealed record EndedRun(Guid Id, string Name, StateType State, string StateName, DateTimeOffset Start, DateTimeOffset End, TimeSpan RunTime);
