using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Bosun.Contract.Tests;

/// <summary>A value of any contract type with every field filled, so that a request built from it sends every field its type has.</summary>
internal static class Samples
{
    public static object? Create(Type type, string? name = null, int depth = 0)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (depth > 5)
        {
            return type.IsValueType ? Activator.CreateInstance(type) : null;
        }

        if (type == typeof(string))
        {
            // GetDeploymentByNameAsync takes an address "flow/deployment".
            return name == "fullName" ? "sample-flow/sample-deployment" : "sample";
        }

        if (type.IsEnum)
        {
            return Enum.GetValues(type).GetValue(0);
        }

        switch (type)
        {
            case var _ when type == typeof(Guid):
                return Guid.NewGuid();
            case var _ when type == typeof(bool):
                return true;
            case var _ when type == typeof(int):
                return 1;
            case var _ when type == typeof(long):
                return 1L;
            case var _ when type == typeof(double):
                return 1.0;
            case var _ when type == typeof(DateTimeOffset):
                return TimeProvider.System.GetUtcNow();
            case var _ when type == typeof(TimeSpan):
                return TimeSpan.FromSeconds(1);
            case var _ when type == typeof(CancellationToken):
                return CancellationToken.None;
            case var _ when type == typeof(JsonObject):
                return new JsonObject { ["sample"] = "value" };
            case var _ when type == typeof(JsonNode):
                return JsonValue.Create("value");
        }

        if (type.IsGenericType && type.GetGenericArguments() is [var key, var value] && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(key, value))!;
            dictionary[Create(key, null, depth + 1)!] = Create(value, null, depth + 1);
            return dictionary;
        }

        if (type.IsArray || (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type)))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(Create(element, null, depth + 1));
            return type.IsArray ? list.Cast<object?>().ToArray() : list;
        }

        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).MaxBy(c => c.GetParameters().Length)
            ?? throw new InvalidOperationException($"No sample for {type}.");
        return constructor.Invoke(constructor.GetParameters().Select(p => Create(p.ParameterType, p.Name, depth + 1)).ToArray());
    }
}
