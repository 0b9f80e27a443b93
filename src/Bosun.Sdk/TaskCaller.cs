namespace Bosun.Sdk;

/// <summary>
/// A task call as a re-run after a suspension recognises it: its task's name and its call key (its cache key, or its
/// replay key of inputs and ordinal; null when its inputs cannot be written as JSON).
/// </summary>
/// <param name="TaskName">The task's name.</param>
/// <param name="CallKey">The key its task run records.</param>
internal sealed record TaskCaller(string TaskName, string? CallKey);
