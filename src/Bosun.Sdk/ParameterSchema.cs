using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Sdk;

/// <summary>
/// The JSON Schema of a flow's parameters, generated from the method signature: names, types (simple types, enums,
/// records and classes, arrays, lists and dictionaries, nullables), defaults, required (no default) and descriptions
/// (<see cref="DescriptionAttribute"/>).
/// </summary>
public static class ParameterSchema
{
    /// <summary>How parameters are (de)serialized: camelCase record members, enums as strings.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>The schema of <paramref name="method"/>'s flow parameters (FlowContext and CancellationToken are not parameters).</summary>
    public static JsonObject For(MethodInfo method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var parameter in FlowParameters(method))
        {
            var schema = ForType(parameter.ParameterType, new NullabilityInfoContext().Create(parameter), 0);
            schema["title"] = parameter.Name;
            if (parameter.GetCustomAttribute<DescriptionAttribute>() is { } description)
            {
                schema["description"] = description.Description;
            }

            if (parameter.HasDefaultValue)
            {
                schema["default"] = parameter.DefaultValue is null ? null : JsonSerializer.SerializeToNode(parameter.DefaultValue, parameter.ParameterType, JsonOptions);
            }
            else
            {
                required.Add(parameter.Name);
            }

            properties[parameter.Name!] = schema;
        }

        var result = new JsonObject { ["type"] = "object", ["title"] = "Parameters", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Count > 0)
        {
            result["required"] = required;
        }

        return result;
    }

    /// <summary>The schema of a value of <paramref name="type"/> (a pause's input), as a parameter of that type has.</summary>
    internal static JsonObject ForValue(Type type) => ForType(type, null, 0);

    /// <summary>The method's parameters that are flow parameters (not FlowContext or CancellationToken).</summary>
    public static IEnumerable<ParameterInfo> FlowParameters(MethodInfo method) =>
        (method ?? throw new ArgumentNullException(nameof(method))).GetParameters()
            .Where(p => p.ParameterType != typeof(FlowContext) && p.ParameterType != typeof(CancellationToken));

    private static JsonObject ForType(Type type, NullabilityInfo? nullability, int depth)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var nullable = underlying is not null || (nullability?.ReadState == NullabilityState.Nullable && !type.IsValueType);
        var schema = ForNonNullType(underlying ?? type, nullability, depth);
        if (nullable && schema["type"] is JsonValue typeName)
        {
            schema["type"] = new JsonArray(typeName.GetValue<string>(), "null");
        }

        return schema;
    }

    private static JsonObject ForNonNullType(Type type, NullabilityInfo? nullability, int depth)
    {
        if (type == typeof(string) || type == typeof(char))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte))
        {
            return new JsonObject { ["type"] = "integer" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type == typeof(DateOnly))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date" };
        }

        if (type == typeof(TimeSpan))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "duration" };
        }

        if (type == typeof(Guid))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "uuid" };
        }

        if (type == typeof(Uri))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "uri" };
        }

        if (type.IsEnum)
        {
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(Enum.GetNames(type).Select(n => (JsonNode?)n).ToArray()) };
        }

        if (type == typeof(JsonObject) || type == typeof(JsonNode) || type == typeof(JsonElement) || type == typeof(object))
        {
            return [];
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = ForType(valueType, nullability?.GenericTypeArguments.LastOrDefault(), depth + 1) };
        }

        if (ElementType(type) is { } elementType)
        {
            var elementNullability = type.IsArray ? nullability?.ElementType : nullability?.GenericTypeArguments.FirstOrDefault();
            return new JsonObject { ["type"] = "array", ["items"] = ForType(elementType, elementNullability, depth + 1) };
        }

        if (depth > 8)
        {
            return new JsonObject { ["type"] = "object" };
        }

        var properties = new JsonObject();
        var required = new JsonArray();
        var context = new NullabilityInfoContext();
        var constructorParameters = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()?.GetParameters() ?? [];
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
        {
            var name = JsonOptions.PropertyNamingPolicy!.ConvertName(property.Name);
            var schema = ForType(property.PropertyType, context.Create(property), depth + 1);
            if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
            {
                schema["description"] = description.Description;
            }

            var fromConstructor = constructorParameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            if (fromConstructor is { HasDefaultValue: false })
            {
                required.Add(name);
            }

            properties[name] = schema;
        }

        var result = new JsonObject { ["type"] = "object", ["title"] = type.Name, ["properties"] = properties };
        if (required.Count > 0)
        {
            result["required"] = required;
        }

        return result;
    }

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) && i.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1]
        ?? (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) && type.GetGenericArguments()[0] == typeof(string) ? type.GetGenericArguments()[1] : null);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        return type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            ?.GetGenericArguments()[0];
    }
}
