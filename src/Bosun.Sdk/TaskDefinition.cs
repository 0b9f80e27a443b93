using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Bosun.Sdk;

/// <summary>A method marked <see cref="TaskAttribute"/>: how to call it, what it returns, and its retry and cache rules.</summary>
internal sealed class TaskDefinition
{
    private static readonly ConcurrentDictionary<MethodInfo, TaskDefinition> Known = new();
    private readonly Func<object?, Task<object?>> _awaitResult;

    private TaskDefinition(MethodInfo method, TaskAttribute attribute)
    {
        Method = method;
        Attribute = attribute;
        _awaitResult = FlowDefinition.ResultAwaiter(method.ReturnType);
        ResultType = FlowDefinition.ResultTypeOf(method.ReturnType);
        IsAsync = typeof(Task).IsAssignableFrom(method.ReturnType) || method.ReturnType == typeof(ValueTask)
            || (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>));
        Serializer = ResultSerializers.Create(attribute.ResultSerializer, $"task '{attribute.Name}'");
        KeyFunction = attribute.CacheKeyFunction switch
        {
            null => null,
            { } type when typeof(ITaskCacheKey).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null => (ITaskCacheKey)Activator.CreateInstance(type)!,
            { } type => throw new ArgumentException($"task '{attribute.Name}': CacheKeyFunction = typeof({type.Name}) must implement ITaskCacheKey and have a public parameterless constructor."),
        };
    }

    /// <summary>The task's own result serializer; null: the flow's.</summary>
    public IResultSerializer? Serializer { get; }

    /// <summary>The task's own cache key function; null: the inputs' hash.</summary>
    public ITaskCacheKey? KeyFunction { get; }

    public MethodInfo Method { get; }

    public TaskAttribute Attribute { get; }

    public string Name => Attribute.Name;

    /// <summary>What the task returns once awaited; null for Task, ValueTask and void.</summary>
    public Type? ResultType { get; }

    public bool IsAsync { get; }

    public TimeSpan? Timeout => Attribute.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(Attribute.TimeoutSeconds) : null;

    public TimeSpan? CacheExpiration => Attribute.CacheExpirationSeconds > 0 && ResultType is not null ? TimeSpan.FromSeconds(Attribute.CacheExpirationSeconds) : null;

    public static TaskDefinition For(MethodInfo method) => Known.GetOrAdd(method, static candidate =>
        candidate.GetCustomAttribute<TaskAttribute>() is { } attribute
            ? new TaskDefinition(candidate, attribute)
            : throw new ArgumentException($"'{candidate.DeclaringType?.Name}.{candidate.Name}' is not a task: mark the method with [Task(\"name\")]."));

    /// <summary>Calls the method once and awaits it; an exception thrown by the method comes out as itself.</summary>
    public async Task<object?> InvokeAsync(object? target, object?[] arguments)
    {
        object? returned;
        try
        {
            returned = Method.Invoke(target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        return await _awaitResult(returned).ConfigureAwait(false);
    }

    /// <summary>
    /// The arguments with every CancellationToken parameter replaced by <paramref name="token"/>: the task's own token
    /// (the flow's, its timeout) is what the body must watch, whatever the caller wrote in the expression.
    /// </summary>
    public object?[] WithToken(object?[] arguments, CancellationToken token)
    {
        var parameters = Method.GetParameters();
        var result = (object?[])arguments.Clone();
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].ParameterType == typeof(CancellationToken))
            {
                result[i] = token;
            }
        }

        return result;
    }

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan RetryDelay(int retry, Random random)
    {
        var delays = Attribute.RetryDelaySeconds;
        var seconds = delays.Length > 0
            ? delays[Math.Min(retry - 1, delays.Length - 1)]
            : Attribute.ExponentialBackoffSeconds * Math.Pow(2, Math.Min(retry - 1, 30));
        if (Attribute.RetryJitterFactor > 0)
        {
            seconds *= 1 + (random.NextDouble() * Attribute.RetryJitterFactor);
        }

        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    /// <summary>
    /// The cache key: the <see cref="KeyFunction"/>'s key hashed with the task's name, or by default the
    /// <see cref="InputKey"/>; null when the key function says not to cache this call.
    /// </summary>
    public string? CacheKey(object?[] arguments, Guid? flowRunId)
    {
        if (KeyFunction is null)
        {
            return InputKey(arguments);
        }

        var parameters = Method.GetParameters();
        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].ParameterType != typeof(CancellationToken) && parameters[i].ParameterType != typeof(FlowContext))
            {
                named[parameters[i].Name ?? $"arg{i}"] = arguments[i];
            }
        }

        var key = KeyFunction.KeyFor(new TaskCallInfo(Name, flowRunId, named, () => InputKey(arguments)));
        return key is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}\nkey={key}")));
    }

    /// <summary>
    /// The default cache key: a SHA-256 of the task's name and its inputs as JSON (tokens and the flow context left out), so
    /// that the same call in another run or process finds the same entry.
    /// </summary>
    public string InputKey(object?[] arguments)
    {
        var parameters = Method.GetParameters();
        var inputs = new StringBuilder(Name).Append('\n');
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].ParameterType != typeof(CancellationToken) && parameters[i].ParameterType != typeof(FlowContext))
            {
                inputs.Append(parameters[i].Name).Append('=')
                    .Append(JsonSerializer.Serialize(arguments[i], parameters[i].ParameterType, ParameterSchema.JsonOptions)).Append('\n');
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(inputs.ToString())));
    }
}
