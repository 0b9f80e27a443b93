namespace Bosun.Server.Domain;

/// <summary>Which task runs' log lines to read: one task run, or every task run of the flow run with a task's name.</summary>
internal sealed record LogTaskFilter(Guid? TaskRunId, string? TaskName);
