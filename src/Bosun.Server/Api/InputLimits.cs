using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Server.Domain;

namespace Bosun.Server.Api;

/// <summary>
/// Every text an API request carries has a length limit, checked before the route runs: path and query values, and
/// every string (and list of strings) in the body, nested records and lists included. Too long is 422 naming the field,
/// never a 500 from deeper down (SQLite refuses a LIKE pattern over 50,000 bytes). In the same walk, a field the
/// contract requires (a constructor parameter with no default, not nullable: a name, a list, an object; the OpenAPI
/// document lists it as required) that is missing or null is 422 "is required", rather than a null deeper down. (Such
/// fields of value types are <c>[JsonRequired]</c>, which the JSON reader enforces.)
/// </summary>
internal sealed class InputLimits : IEndpointFilter
{
    /// <summary>Names, ids, query values and any field not listed in <see cref="Longer"/>.</summary>
    public const int Default = 500;

    /// <summary>Fields that may be longer, by declaring type and JSON name.</summary>
    private static readonly Dictionary<(string Type, string Field), int> Longer = new()
    {
        [("DeploymentUpsert", "description")] = 10_000,
        [("DeploymentUpsert", "entrypoint")] = 10_000,
        [("DeploymentUpdate", "description")] = 10_000,
        [("WorkPoolCreate", "description")] = 10_000,
        [("WorkPoolUpdate", "description")] = 10_000,
        [("WorkQueueCreate", "description")] = 10_000,
        [("WorkQueueUpdate", "description")] = 10_000,
        [("StateProposal", "message")] = 10_000,
        [("ScheduleSpec", "rrule")] = 2_000,
        [("LogCreate", "message")] = Bosun.Contracts.Logs.LogCreate.MaxMessageLength,
        [("SecretValue", "value")] = 64 * 1024,
        [("TaskRunReport", "message")] = 10_000,
    };

    private static readonly ConcurrentDictionary<Type, Field[]> Plans = new();

    /// <summary>What is checked of a property: a text, texts, or contracts to walk into (or, typed loosely, whichever it holds).</summary>
    private enum Kind
    {
        Text,
        Texts,
        Items,
        Value,

        /// <summary>Not read for its content (a JSON value, a record holding no text): only required to be there.</summary>
        Present,
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        foreach (var (name, value) in request.RouteValues)
        {
            Check(name, value as string, Default);
        }

        foreach (var (name, values) in request.Query)
        {
            foreach (var value in values)
            {
                Check(name, value, Default);
            }
        }

        foreach (var argument in context.Arguments)
        {
            if (argument is not null && IsContract(argument.GetType()))
            {
                Walk(argument, "", -1, 0);
            }
            else if (argument is IEnumerable list and not string && argument.GetType().IsGenericType && IsContract(argument.GetType().GetGenericArguments()[0]))
            {
                var index = 0;
                foreach (var item in list)
                {
                    Walk(item, "", index++, 0);
                }
            }
        }

        return await next(context);
    }

    /// <summary>
    /// Checks <paramref name="value"/>, found at <paramref name="parent"/> (item <paramref name="index"/> of it, unless -1).
    /// The path of a field is built only for the error: a batch of 1,000 log lines costs no string per line.
    /// </summary>
    private static void Walk(object? value, string parent, int index, int depth)
    {
        if (value is null || depth > 8)
        {
            return;
        }

        foreach (var field in Plans.GetOrAdd(value.GetType(), Plan))
        {
            var content = field.Property.GetValue(value);
            if (content is null)
            {
                if (field.Required)
                {
                    throw new ValidationException(At(parent, index, field.Name), ["is required"]);
                }

                continue;
            }

            switch (field.Kind)
            {
                case Kind.Text:
                    CheckText(content as string, parent, index, field);
                    break;
                case Kind.Texts:
                    CheckTexts(content as IEnumerable<string?>, parent, index, field);
                    break;
                case Kind.Items when content is IEnumerable items:
                    var n = 0;
                    var at = At(parent, index, field.Name);
                    foreach (var item in items)
                    {
                        Walk(item, at, n++, depth + 1);
                    }

                    break;
                case Kind.Value:
                    // Typed loosely (object, an interface): checked by what it holds.
                    switch (content)
                    {
                        case string text:
                            CheckText(text, parent, index, field);
                            break;
                        case JsonNode:
                            break;
                        case IEnumerable<string?> texts:
                            CheckTexts(texts, parent, index, field);
                            break;
                        case { } nested when IsContract(nested.GetType()):
                            Walk(nested, At(parent, index, field.Name), -1, depth + 1);
                            break;
                    }

                    break;
            }
        }
    }

    /// <summary>Checks a text; its path is built only when it is too long.</summary>
    private static void CheckText(string? text, string parent, int index, Field field)
    {
        if (text is { Length: var length } && length > field.Limit)
        {
            Check(At(parent, index, field.Name), text, field.Limit);
        }
    }

    private static void CheckTexts(IEnumerable<string?>? texts, string parent, int index, Field field)
    {
        var i = 0;
        foreach (var text in texts ?? [])
        {
            if (text is { Length: var length } && length > field.Limit)
            {
                Check($"{At(parent, index, field.Name)}[{i}]", text, field.Limit);
            }

            i++;
        }
    }

    private static string At(string parent, int index, string field)
    {
        var item = index >= 0 ? $"{parent}[{index}]" : parent;
        return item.Length == 0 ? field : $"{item}.{field}";
    }

    /// <summary>
    /// The properties of <paramref name="type"/> that can hold text or are required, once per type: value types (ids,
    /// times, numbers, states) are never read, JSON values only when required.
    /// </summary>
    private static Field[] Plan(Type type)
    {
        var nullability = new NullabilityInfoContext();
        var parameters = type.GetConstructors().MaxBy(constructor => constructor.GetParameters().Length)?.GetParameters() ?? [];
        return
        [
            .. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(property => property.GetIndexParameters().Length == 0)
                .Select(property =>
                {
                    var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
                    var declared = property.PropertyType;
                    var parameter = parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                    var required = !declared.IsValueType && parameter is { HasDefaultValue: false }
                        && nullability.Create(parameter).WriteState == NullabilityState.NotNull;
                    Kind? kind = declared == typeof(string) ? Kind.Text
                        : typeof(JsonNode).IsAssignableFrom(declared) ? null
                        : typeof(IEnumerable<string?>).IsAssignableFrom(declared) ? Kind.Texts
                        : typeof(IEnumerable).IsAssignableFrom(declared) && declared.IsGenericType && IsContract(declared.GetGenericArguments()[^1]) ? Kind.Items
                        : declared.IsValueType ? null
                        : Kind.Value;
                    kind ??= required ? Kind.Present : null;
                    return kind is { } known ? new Field(property, name, Longer.GetValueOrDefault((type.Name, name), Default), known, required) : null;
                })
                .OfType<Field>(),
        ];
    }

    private static bool IsContract(Type type) => type.Namespace?.StartsWith("Bosun.Contracts", StringComparison.Ordinal) == true && !type.IsEnum;

    private static void Check(string field, string? value, int limit)
    {
        if (value is { Length: var length } && length > limit)
        {
            throw new ValidationException(field, [$"is {length:N0} characters long; the limit is {limit:N0}"]);
        }
    }

    private sealed record Field(PropertyInfo Property, string Name, int Limit, Kind Kind, bool Required);
}
