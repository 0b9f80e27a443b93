using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts;
using Bosun.Server.Domain;

namespace Bosun.Server.Api;

/// <summary>
/// A JSON body that parses but holds a value of the wrong kind (<c>{"interval_seconds": "abc"}</c>, <c>{"type": 1}</c>)
/// is a mistake in one field: 422 naming the field and what it takes, found by walking the JSON path through the
/// route's request type. A field the type requires (<c>[JsonRequired]</c>: one with no default, such as a state's type)
/// left out is a 422 naming it too, rather than its zero value taken for what the client meant. Malformed JSON, or a body
/// of the wrong shape altogether, stays a 400.
/// </summary>
internal static partial class JsonFieldErrors
{
    private static readonly string[] IsRequired = ["is required"];

    /// <summary>The field error for <paramref name="json"/>, or null when the body is malformed rather than wrong in one field.</summary>
    public static ValidationException? From(JsonException json, Type? requestType)
    {
        if (json.InnerException is null && MissingRequired().Match(json.Message) is { Success: true } missing)
        {
            // "$" for the body, "$[3]" or "$.proposal" for an object inside it.
            var at = json.Path is null or "$" ? "" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] + "." : json.Path[1..] + ".";
            var fields = QuotedName().Matches(missing.Groups["names"].Value).Select(name => at + name.Groups["name"].Value).ToList();
            return new ValidationException(
                string.Join("; ", fields.Select(field => $"{field}: is required")),
                fields.ToDictionary(field => field, _ => IsRequired));
        }

        // A syntax error comes from the reader, wrapped; a value the target cannot take is the serializer's own.
        if (json.InnerException is JsonException || json.Path is null || json.Path == "$")
        {
            return null;
        }

        var field = json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path.TrimStart('$');
        var message = json.Message.Contains(" Path: ", StringComparison.Ordinal) || json.Message.StartsWith("The JSON value", StringComparison.Ordinal)
            ? Expected(TypeAt(requestType, field)) is { } expected ? $"must be {expected}" : "has a value of the wrong kind"
            : json.Message;
        return new ValidationException(field, [message]);
    }

    /// <summary>The type of the value at <paramref name="path"/> (snake_case names, [n] indexes) inside <paramref name="root"/>; null when unknown.</summary>
    private static Type? TypeAt(Type? root, string path)
    {
        var type = root;
        foreach (Match part in PathPart().Matches(path))
        {
            if (type is null)
            {
                return null;
            }

            if (part.Groups["index"].Success)
            {
                type = ElementType(type);
                continue;
            }

            var name = part.Groups["name"].Value;
            type = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == name)?.PropertyType;
        }

        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[^1]
        : null;

    private static string? Expected(Type? type)
    {
        if (type is null)
        {
            return null;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of " + (string)typeof(EnumNames).GetMethod(nameof(EnumNames.List))!.MakeGenericMethod(type).Invoke(null, null)!;
        }

        return type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(Guid) => "an id (a UUID such as 3f2b9c1e-5d6a-4b7c-8d9e-0f1a2b3c4d5e)",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a time in ISO 8601, such as 2026-01-05T09:00:00Z",
            _ when type == typeof(JsonObject) => "a JSON object",
            _ when ElementType(type) is not null => "a list",
            _ => "an object",
        };
    }

    [GeneratedRegex(@"missing required properties including: (?<names>.*)$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"'(?<name>[^']+)'")]
    private static partial Regex QuotedName();

    [GeneratedRegex(@"(?<name>[A-Za-z0-9_]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathPart();
}
