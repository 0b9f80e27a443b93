namespace Bosun.Sdk;

/// <summary>
/// Marks a method as a Bosun task. Called through <see cref="Tasks.RunAsync{T}(System.Linq.Expressions.Expression{Func{Task{T}}}, CancellationToken)"/>
/// inside a flow run, each call is a task run the server records, with these retries, timeout and cache; outside a flow
/// run it is a plain call.
/// </summary>
/// <param name="name">The task's name, shown on its task runs and part of its cache key.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute(string name) : Attribute
{
    /// <summary>The task's name.</summary>
    public string Name { get; } = name;

    /// <summary>How many times a failed (or timed-out) attempt is retried.</summary>
    public int Retries { get; set; }

    /// <summary>
    /// Seconds to wait before each retry: the first value before the first retry, and so on; the last value repeats.
    /// Empty (the default) with <see cref="ExponentialBackoffSeconds"/> 0 retries at once.
    /// </summary>
#pragma warning disable CA1819 // An attribute argument can only be an array; the attribute is read, never mutated.
    public int[] RetryDelaySeconds { get; set; } = [];
#pragma warning restore CA1819

    /// <summary>When above 0 (and <see cref="RetryDelaySeconds"/> is empty): wait this many seconds times 2^(retry - 1) before each retry.</summary>
    public double ExponentialBackoffSeconds { get; set; }

    /// <summary>Each delay is stretched by a random share of itself up to this factor (0.5: up to 50 % longer), so that retries do not march in step.</summary>
    public double RetryJitterFactor { get; set; }

    /// <summary>Seconds an attempt may take; then its token fires and the attempt is abandoned (TIMED_OUT, or retried). 0: no limit.</summary>
    public double TimeoutSeconds { get; set; }

    /// <summary>
    /// When above 0, the result is cached under a key made of the task's name and its inputs (as JSON) for this many
    /// seconds: a later call with the same inputs, in any run and any process, gets it without running the body (CACHED).
    /// </summary>
    public double CacheExpirationSeconds { get; set; }

    /// <summary>
    /// A type implementing <see cref="ITaskCacheKey"/> that gives the cache key of a call instead of the inputs' hash: calls
    /// it maps to the same key share a cached result (with <see cref="CacheExpirationSeconds"/> above 0).
    /// </summary>
    public Type? CacheKeyFunction { get; set; }

    /// <summary>
    /// A type implementing <see cref="IResultSerializer"/> that writes the task's result (kept, cached, replayed); default:
    /// the flow's (<see cref="FlowAttribute.ResultSerializer"/>), else <see cref="JsonResultSerializer"/>.
    /// </summary>
    public Type? ResultSerializer { get; set; }

    /// <summary>
    /// The task's tags. A tag with a concurrency limit (<c>bosun concurrency-limit create TAG N</c>) lets at most N task
    /// runs carrying it execute at once across all flow runs: a task run waits, PENDING, until the server grants it a slot
    /// of every limited tag, and gives them back when it ends.
    /// </summary>
#pragma warning disable CA1819 // An attribute argument can only be an array; the attribute is read, never mutated.
    public string[] Tags { get; set; } = [];
#pragma warning restore CA1819
}
