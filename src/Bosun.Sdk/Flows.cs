using System.Linq.Expressions;
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

#pragma warning disable RS0026 // The overloads differ by the call's shape, as Tasks.RunAsync's do; each takes the optional token last.
    /// <summary>
    /// Runs a flow method as a subflow: <c>await Flows.RunAsync(() =&gt; Contributors(repo))</c>. Inside a flow run the
    /// call becomes a child flow run, linked to this one (and to the task run making the call, if any), with its own
    /// states, task runs, logs and result, run here in this process; its exception is thrown here. Outside a flow run
    /// the method is simply called. The expression is read as <see cref="Tasks"/> reads it: not compiled.
    /// </summary>
    /// <typeparam name="T">The flow's result.</typeparam>
    /// <param name="call">The call, e.g. <c>() =&gt; Contributors(repo)</c>.</param>
    /// <param name="cancellationToken">Cancels the subflow, with the parent's own token.</param>
    public static async Task<T> RunAsync<T>(Expression<Func<Task<T>>> call, CancellationToken cancellationToken = default) =>
        (T)(await RunCallAsync(call, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Runs an asynchronous flow method that returns nothing as a subflow (see <see cref="RunAsync{T}(Expression{Func{Task{T}}}, CancellationToken)"/>).</summary>
    /// <param name="call">The call, e.g. <c>() =&gt; Notify(user)</c>.</param>
    /// <param name="cancellationToken">Cancels the subflow, with the parent's own token.</param>
    public static Task RunAsync(Expression<Func<Task>> call, CancellationToken cancellationToken = default) => RunCallAsync(call, cancellationToken);

    /// <summary>Runs a synchronous flow method as a subflow (see <see cref="RunAsync{T}(Expression{Func{Task{T}}}, CancellationToken)"/>).</summary>
    /// <typeparam name="T">The flow's result.</typeparam>
    /// <param name="call">The call, e.g. <c>() =&gt; Summarise(text)</c>.</param>
    /// <param name="cancellationToken">Cancels the subflow, with the parent's own token.</param>
    public static async Task<T> RunAsync<T>(Expression<Func<T>> call, CancellationToken cancellationToken = default) =>
        (T)(await RunCallAsync(call, cancellationToken).ConfigureAwait(false))!;
#pragma warning restore RS0026

    private static Task<object?> RunCallAsync(LambdaExpression call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (method, _, arguments) = TaskCall.ReadCall(call, "Flows.RunAsync takes a call of a [Flow] method, such as () => Contributors(repo)");
        var flow = From(method) ?? throw new ArgumentException(
            $"'{method.DeclaringType?.Name}.{method.Name}' is not a flow: mark the static method with [Flow(\"name\")], or call a [Task] with Tasks.RunAsync.", nameof(call));
        var context = FlowContext.Current;
        return context.ChildRuns is { } children
            ? children.RunSubflowAsync(flow, arguments, cancellationToken)
            : flow.InvokeCallAsync(arguments, context);
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
