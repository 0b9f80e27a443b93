using System.Linq.Expressions;
using System.Reflection;

namespace Bosun.Sdk;

/// <summary>
/// Reads <c>() =&gt; Method(a, b)</c> into the method and its argument values without compiling the whole lambda: a
/// constant or a captured variable (a field of the closure) is read directly, which is what nearly every call passes;
/// anything else is compiled once per call.
/// </summary>
internal static class TaskCall
{
    public static (TaskDefinition Definition, object? Target, object?[] Arguments) Read(LambdaExpression call)
    {
        var (method, target, arguments) = ReadCall(call, "Tasks.RunAsync takes a call of a [Task] method, such as () => Fetch(url)");
        return (TaskDefinition.For(method), target, arguments);
    }

    /// <summary>The method a call expression names, its target and its argument values; <paramref name="expected"/> says what else was wanted.</summary>
    public static (MethodInfo Method, object? Target, object?[] Arguments) ReadCall(LambdaExpression call, string expected)
    {
        var body = call.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : call.Body;
        if (body is not MethodCallExpression method)
        {
            throw new ArgumentException($"{expected}; got {call.Body}.", nameof(call));
        }

        var target = method.Object is null ? null : Evaluate(method.Object);
        var arguments = new object?[method.Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Evaluate(method.Arguments[i]);
        }

        return (method.Method, target, arguments);
    }

    private static object? Evaluate(Expression expression) => expression switch
    {
        ConstantExpression constant => constant.Value,
        MemberExpression { Member: FieldInfo field, Expression: var owner } => field.GetValue(owner is null ? null : Evaluate(owner)),
        MemberExpression { Member: PropertyInfo property, Expression: var owner } when property.GetIndexParameters().Length == 0 =>
            property.GetValue(owner is null ? null : Evaluate(owner)),
        UnaryExpression { NodeType: ExpressionType.Convert } unary => ConvertBoxed(Evaluate(unary.Operand), unary.Type, expression),
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)(),
    };

    /// <summary>A boxed value that is already of the target type needs nothing; any other conversion is left to the compiler.</summary>
    private static object? ConvertBoxed(object? value, Type type, Expression expression) =>
        value is null || type.IsInstanceOfType(value)
            ? value
            : Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)();
}
