using Bosun.Contracts.States;

namespace Bosun.Ui.Backend;

/// <summary>One ended run on a deployment's duration chart: when it ran, how long it was RUNNING, and how it ended.</summary>
public sealed record RunDuration(Guid Id, string Name, StateType State, string StateName, DateTimeOffset Start, DateTimeOffset End, TimeSpan RunTime);
