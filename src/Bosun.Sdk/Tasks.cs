using System.Linq.Expressions;

namespace Bosun.Sdk;

/// <summary>
/// Runs a <see cref="TaskAttribute"/> method as a task: <c>await Tasks.RunAsync(() =&gt; Fetch(url))</c>. Inside a flow run
/// the call becomes a task run (recorded, retried, timed out, cached as the attribute says); outside one, the method is
/// simply called. The expression names the call; it is not compiled: its arguments are evaluated once, in order, and the
/// method is invoked with them. A CancellationToken argument is replaced by the task's own token (flow cancellation and
/// timeout). Tasks awaited together (<c>Task.WhenAll</c>) run concurrently.
/// </summary>
#pragma warning disable RS0026 // The overloads differ by the call's shape (Temporal's pattern); each takes the optional token last, as every SDK method does.
public static class Tasks
{
    /// <summary>Runs an asynchronous task that returns a value.</summary>
    /// <typeparam name="T">The task's result.</typeparam>
    /// <param name="call">The call, e.g. <c>() =&gt; Fetch(url, default)</c>.</param>
    /// <param name="cancellationToken">Cancels the task, with the flow's own token.</param>
    public static async Task<T> RunAsync<T>(Expression<Func<Task<T>>> call, CancellationToken cancellationToken = default) =>
        (T)(await RunCallAsync(call, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Runs an asynchronous task that returns nothing.</summary>
    /// <param name="call">The call, e.g. <c>() =&gt; Notify(user)</c>.</param>
    /// <param name="cancellationToken">Cancels the task, with the flow's own token.</param>
    public static Task RunAsync(Expression<Func<Task>> call, CancellationToken cancellationToken = default) =>
        RunCallAsync(call, cancellationToken);

    /// <summary>Runs a synchronous task (its body runs on the thread pool when it has a timeout, else on the caller's thread).</summary>
    /// <typeparam name="T">The task's result.</typeparam>
    /// <param name="call">The call, e.g. <c>() =&gt; Parse(text)</c>.</param>
    /// <param name="cancellationToken">Cancels the task, with the flow's own token.</param>
    public static async Task<T> RunAsync<T>(Expression<Func<T>> call, CancellationToken cancellationToken = default) =>
        (T)(await RunCallAsync(call, cancellationToken).ConfigureAwait(false))!;

    private static Task<object?> RunCallAsync(LambdaExpression call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (definition, target, arguments) = TaskCall.Read(call);
        return FlowContext.Current.TaskRunner is { } runner
            ? runner.RunAsync(definition, target, arguments, cancellationToken)
            : definition.InvokeAsync(target, arguments);
    }
}
#pragma warning restore RS0026
