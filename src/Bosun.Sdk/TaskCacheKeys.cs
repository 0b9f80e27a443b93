using System.Collections.ObjectModel;

namespace Bosun.Sdk;

/// <summary>
/// A task's own cache key (<see cref="TaskAttribute.CacheKeyFunction"/>), beside the default key made of its inputs: calls
/// that get the same key share one cached result, across runs and processes, for the task's
/// <see cref="TaskAttribute.CacheExpirationSeconds"/>. Prefect's <c>cache_key_fn</c>. An implementation needs a public
/// parameterless constructor.
/// </summary>
public interface ITaskCacheKey
{
    /// <summary>The key of this call (any text; it is hashed with the task's name), or null to run it without the cache.</summary>
    /// <param name="call">The call: the task, its arguments by name, the flow run, the default key.</param>
    string? KeyFor(TaskCallInfo call);
}

/// <summary>What a <see cref="ITaskCacheKey"/> knows of a call.</summary>
public sealed class TaskCallInfo
{
    private readonly Func<string> _inputKey;

    internal TaskCallInfo(string taskName, Guid? flowRunId, IDictionary<string, object?> arguments, Func<string> inputKey)
    {
        TaskName = taskName;
        FlowRunId = flowRunId;
        Arguments = new ReadOnlyDictionary<string, object?>(arguments);
        _inputKey = inputKey;
    }

    /// <summary>The task's name.</summary>
    public string TaskName { get; }

    /// <summary>The flow run making the call.</summary>
    public Guid? FlowRunId { get; }

    /// <summary>The call's arguments by parameter name (cancellation tokens and the flow context left out).</summary>
    public IReadOnlyDictionary<string, object?> Arguments { get; }

    /// <summary>The default key: a SHA-256 of the task's name and its inputs as JSON.</summary>
    public string InputKey => _inputKey();
}
