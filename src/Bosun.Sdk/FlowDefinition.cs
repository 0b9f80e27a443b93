using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Sdk;

/// <summary>A flow: a static method marked <see cref="FlowAttribute"/>, with its name, options and parameter schema.</summary>
public sealed partial class FlowDefinition
{
    private readonly Func<object?, Task<object?>> _awaitResult;

    internal FlowDefinition(MethodInfo method, FlowAttribute attribute)
    {
        Method = method;
        Attribute = attribute;
        ParameterSchema = Sdk.ParameterSchema.For(method);
        _awaitResult = ResultAwaiter(method.ReturnType);
        ResultSerializer = ResultSerializers.Create(attribute.ResultSerializer, $"flow '{attribute.Name}'") ?? ResultSerializers.Json;
    }

    /// <summary>Writes the flow's result, and its tasks' unless a task names its own.</summary>
    internal IResultSerializer ResultSerializer { get; }

    /// <summary>The flow's name.</summary>
    public string Name => Attribute.Name;

    /// <summary>The method that implements it.</summary>
    public MethodInfo Method { get; }

    /// <summary>The flow's options.</summary>
    public FlowAttribute Attribute { get; }

    /// <summary>The JSON Schema of its parameters, as deployments record it.</summary>
    public JsonObject ParameterSchema { get; }

    /// <summary>The parameters' default values, as a deployment's default parameters.</summary>
    public JsonObject DefaultParameters()
    {
        var defaults = new JsonObject();
        foreach (var (name, schema) in ParameterSchema["properties"]!.AsObject())
        {
            if (schema is JsonObject property && property.TryGetPropertyValue("default", out var value))
            {
                defaults[name] = value?.DeepClone();
            }
        }

        return defaults;
    }

    /// <summary>Calls the flow method with JSON parameters (missing ones take their defaults) and the given context.</summary>
    internal Task<object?> InvokeAsync(JsonObject parameters, FlowContext context) =>
        InvokeAsync(Method.GetParameters().Select(parameter => Bind(parameter, parameters, context)).ToArray());

    /// <summary>Calls the flow method with the values of a call (a subflow), its context and token taken from <paramref name="context"/>.</summary>
    internal Task<object?> InvokeCallAsync(object?[] callArguments, FlowContext context) =>
        InvokeAsync(Method.GetParameters().Select((parameter, i) =>
            parameter.ParameterType == typeof(FlowContext) ? context
            : parameter.ParameterType == typeof(CancellationToken) ? context.CancellationToken
            : callArguments[i]).ToArray());

    /// <summary>A call's arguments as the run's parameters: by name, the context and token left out, a value JSON cannot write left out too.</summary>
    internal JsonObject ParametersOf(object?[] callArguments)
    {
        var parameters = new JsonObject();
        foreach (var (parameter, i) in Method.GetParameters().Select((parameter, i) => (parameter, i)))
        {
            if (parameter.ParameterType == typeof(FlowContext) || parameter.ParameterType == typeof(CancellationToken))
            {
                continue;
            }

            try
            {
                parameters[parameter.Name!] = JsonSerializer.SerializeToNode(callArguments[i], parameter.ParameterType, Sdk.ParameterSchema.JsonOptions);
            }
            catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
            {
                // Only the record of the call loses it: the subflow itself receives the value as it was passed.
            }
        }

        return parameters;
    }

    private async Task<object?> InvokeAsync(object?[] arguments)
    {
        object? result;
        try
        {
            result = Method.Invoke(null, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        return await _awaitResult(result).ConfigureAwait(false);
    }

    /// <summary>
    /// How the method's result is awaited, chosen once from its declared return type: Task, Task&lt;T&gt;, ValueTask,
    /// ValueTask&lt;T&gt;, void or a plain T.
    /// </summary>
    internal static Func<object?, Task<object?>> ResultAwaiter(Type returnType)
    {
        if (returnType == typeof(void))
        {
            return _ => Task.FromResult<object?>(null);
        }

        if (returnType == typeof(Task))
        {
            return async result =>
            {
                await ((Task)result!).ConfigureAwait(false);
                return null;
            };
        }

        if (returnType == typeof(ValueTask))
        {
            return async result =>
            {
                await ((ValueTask)result!).ConfigureAwait(false);
                return null;
            };
        }

        // Result is read by name: the property is banned for code that could block, and here the task has completed.
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var value = returnType.GetProperty("Result")!;
            return async result =>
            {
                await ((Task)result!).ConfigureAwait(false);
                return value.GetValue(result);
            };
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = returnType.GetMethod(nameof(ValueTask<object>.AsTask))!;
            var value = asTask.ReturnType.GetProperty("Result")!;
            return async result =>
            {
                var task = (Task)asTask.Invoke(result, null)!;
                await task.ConfigureAwait(false);
                return value.GetValue(task);
            };
        }

        return result => Task.FromResult(result);
    }

    /// <summary>What a method with this return type gives once awaited: T of Task&lt;T&gt; or ValueTask&lt;T&gt;, the type itself, or null for void, Task and ValueTask.</summary>
    internal static Type? ResultTypeOf(Type returnType)
    {
        if (returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return null;
        }

        return returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? returnType.GetGenericArguments()[0]
            : returnType;
    }

    private static object? Bind(ParameterInfo parameter, JsonObject parameters, FlowContext context)
    {
        if (parameter.ParameterType == typeof(FlowContext))
        {
            return context;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.CancellationToken;
        }

        if (parameters.TryGetPropertyValue(parameter.Name!, out var node))
        {
            try
            {
                return node is null ? null : node.Deserialize(parameter.ParameterType, Sdk.ParameterSchema.JsonOptions);
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"parameter '{parameter.Name}' cannot be read as {parameter.ParameterType.Name}: {ex.Message}", parameter.Name, ex);
            }
        }

        return parameter.HasDefaultValue
            ? parameter.DefaultValue
            : throw new ArgumentException($"parameter '{parameter.Name}' is required and was not given", parameter.Name);
    }
}
