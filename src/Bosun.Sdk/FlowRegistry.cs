using System.Reflection;

namespace Bosun.Sdk;

/// <summary>
/// The flows an executable can run, registered once at start-up and looked up by name. A second flow with a name
/// already taken is refused at once (two methods must not answer to one deployment), as is a method that is not a flow.
/// </summary>
public sealed class FlowRegistry
{
    private readonly Dictionary<string, FlowDefinition> _flows = new(StringComparer.Ordinal);

    /// <summary>The registered flows' names, in the order they were added.</summary>
    public IEnumerable<string> Names => _flows.Keys;

    /// <summary>The registered flows.</summary>
    public IEnumerable<FlowDefinition> All => _flows.Values;

    /// <summary>A registry of every flow in <paramref name="assemblies"/>.</summary>
    public static FlowRegistry From(params Assembly[] assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var registry = new FlowRegistry();
        foreach (var assembly in assemblies)
        {
            registry.AddAssembly(assembly);
        }

        return registry;
    }

    /// <summary>Adds the flow implemented by <paramref name="flow"/> (a static method marked <see cref="FlowAttribute"/>).</summary>
    public FlowRegistry Add(Delegate flow) => Add(Flows.Get(flow));

    /// <summary>Adds <paramref name="flow"/>; adding the same method again changes nothing.</summary>
    /// <exception cref="ArgumentException">Another method already has this flow's name.</exception>
    public FlowRegistry Add(FlowDefinition flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (_flows.TryGetValue(flow.Name, out var existing))
        {
            if (existing.Method != flow.Method)
            {
                throw new ArgumentException(
                    $"Two flows are named '{flow.Name}': {Describe(existing)} and {Describe(flow)}. Give each [Flow] a unique name.", nameof(flow));
            }

            return this;
        }

        _flows.Add(flow.Name, flow);
        return this;
    }

    /// <summary>Adds every flow of <paramref name="assembly"/>.</summary>
    public FlowRegistry AddAssembly(Assembly assembly)
    {
        foreach (var flow in Flows.In(assembly))
        {
            Add(flow);
        }

        return this;
    }

    /// <summary>The flow named <paramref name="name"/>, or null.</summary>
    public FlowDefinition? Find(string name) => _flows.GetValueOrDefault(name);

    private static string Describe(FlowDefinition flow) => $"{flow.Method.DeclaringType?.FullName}.{flow.Method.Name}";
}
