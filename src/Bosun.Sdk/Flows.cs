using System.Reflection;

namespace Bosun.Sdk;

/// <summary>Finds flows by their method (<c>Flows.Get(GetRepoInfo)</c>) or in an assembly; <see cref="FlowRegistry"/> looks them up by name.</summary>
public static class Flows
{
    /// <summary>The flow implemented by <paramref name="flow"/>, a static method marked <see cref="FlowAttribute"/>.</summary>
    public static FlowDefinition Get(Delegate flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return From(flow.Method) ?? throw new ArgumentException(
            $"'{flow.Method.DeclaringType?.Name}.{flow.Method.Name}' is not a flow: mark the static method with [Flow(\"name\")].", nameof(flow));
    }

    /// <summary>Every flow in <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<FlowDefinition> In(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = ex.Types.Where(t => t is not null).ToArray()!;
        }

        return types
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(From)
            .OfType<FlowDefinition>()
            .ToList();
    }

    private static FlowDefinition? From(MethodInfo method)
    {
        if (method.GetCustomAttribute<FlowAttribute>() is not { } attribute)
        {
            return null;
        }

        if (!method.IsStatic)
        {
            throw new ArgumentException($"Flow '{attribute.Name}' ({method.DeclaringType?.Name}.{method.Name}) must be a static method.");
        }

        return new FlowDefinition(method, attribute);
    }
}
