using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Sdk;

/// <summary>A flow: a static method marked <see cref="FlowAttribute"/>, with its name, options and parameter schema.</summary>
public sealed partial class FlowDefinition
{
    internal FlowDefinition(MethodInfo method, FlowAttribute attribute)
    {
        Method = method;
        Attribute = attribute;
        ParameterSchema = Sdk.ParameterSchema.For(method);
    }

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
    internal async Task<object?> InvokeAsync(JsonObject parameters, FlowContext context)
    {
        var arguments = Method.GetParameters().Select(parameter => Bind(parameter, parameters, context)).ToArray();
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

        switch (result)
        {
            case Task task:
                await task.ConfigureAwait(false);
                var resultProperty = task.GetType().GetProperty("Result");
                return task.GetType().IsGenericType ? resultProperty?.GetValue(task) : null;
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                return null;
            default:
                return result;
        }
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
