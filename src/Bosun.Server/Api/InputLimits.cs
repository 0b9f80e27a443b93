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
/// never a 500 from deeper down (SQLite refuses a LIKE pattern over 50,000 bytes).
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
        [("LogCreate", "message")] = 64 * 1024,
        [("SecretValue", "value")] = 64 * 1024,
        [("TaskRunReport", "message")] = 10_000,
    };

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

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
                Walk(argument, "", 0);
            }
            else if (argument is IEnumerable list and not string && argument.GetType().IsGenericType && IsContract(argument.GetType().GetGenericArguments()[0]))
            {
                var index = 0;
                foreach (var item in list)
                {
                    Walk(item, $"[{index++}]", 0);
                }
            }
        }

        return await next(context);
    }

    private static void Walk(object? value, string path, int depth)
    {
        if (value is null || depth > 8)
        {
            return;
        }

        var type = value.GetType();
        foreach (var property in Properties.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray()))
        {
            var field = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            var at = path.Length == 0 ? field : $"{path}.{field}";
            var limit = Longer.GetValueOrDefault((type.Name, field), Default);
            switch (property.GetValue(value))
            {
                case string text:
                    Check(at, text, limit);
                    break;
                case JsonNode:
                    break;
                case IEnumerable<string?> texts:
                    var i = 0;
                    foreach (var text in texts)
                    {
                        Check($"{at}[{i++}]", text, limit);
                    }

                    break;
                case IEnumerable items when property.PropertyType.IsGenericType && IsContract(property.PropertyType.GetGenericArguments()[^1]):
                    var n = 0;
                    foreach (var item in items)
                    {
                        Walk(item, $"{at}[{n++}]", depth + 1);
                    }

                    break;
                case { } nested when IsContract(nested.GetType()):
                    Walk(nested, at, depth + 1);
                    break;
            }
        }
    }

    private static bool IsContract(Type type) => type.Namespace?.StartsWith("Bosun.Contracts", StringComparison.Ordinal) == true && !type.IsEnum;

    private static void Check(string field, string? value, int limit)
    {
        if (value is { Length: var length } && length > limit)
        {
            throw new ValidationException(field, [$"is {length:N0} characters long; the limit is {limit:N0}"]);
        }
    }
}
