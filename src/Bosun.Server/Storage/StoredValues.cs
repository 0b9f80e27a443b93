using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.States;

namespace Bosun.Server.Storage;

/// <summary>How values are kept in the store: times as Unix milliseconds, JSON as text, states by wire name.</summary>
internal static class StoredValues
{
    public static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static long? Ms(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? Time(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    /// <summary>
    /// "column is one of @parameter" for a list parameter: Dapper expands <c>IN @list</c> for SQLite but passes a list to
    /// Npgsql as one array parameter, which PostgreSQL compares with <c>= ANY</c>.
    /// </summary>
    public static string In(System.Data.Common.DbConnection connection, string column, string parameter) =>
        connection is Npgsql.NpgsqlConnection ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>Ids for an <c>IN @list</c>: Dapper expands lists without type handlers, so they go as text explicitly.</summary>
    public static string[] Ids(IEnumerable<Guid> ids) => ids.Select(id => id.ToString("D")).ToArray();

    public static string JsonText(JsonNode? node) => node?.ToJsonString() ?? "{}";

    public static string Tags(IReadOnlyList<string>? tags) =>
        JsonSerializer.Serialize(tags ?? [], BosunJsonContext.Default.IReadOnlyListString);

    public static JsonObject Object(string? text) =>
        string.IsNullOrEmpty(text) ? [] : JsonNode.Parse(text) as JsonObject ?? [];

    public static JsonObject? ObjectOrNull(string? text) =>
        string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text) as JsonObject;

    public static IReadOnlyList<string> TagList(string? text) =>
        string.IsNullOrEmpty(text) ? [] : JsonSerializer.Deserialize(text, BosunJsonContext.Default.IReadOnlyListString) ?? [];

    /// <summary>A pool's job-variable policy; null (a pool made before policies existed) leaves every variable open.</summary>
    public static IReadOnlyDictionary<string, Contracts.WorkPools.JobVariableRule>? Policy(string? text) =>
        string.IsNullOrEmpty(text) ? null : JsonSerializer.Deserialize(text, BosunJsonContext.Default.IReadOnlyDictionaryStringJobVariableRule);

    public static string PolicyText(IReadOnlyDictionary<string, Contracts.WorkPools.JobVariableRule> policy) =>
        JsonSerializer.Serialize(policy, BosunJsonContext.Default.IReadOnlyDictionaryStringJobVariableRule);

    public static StateType State(string wireName) =>
        StateTypeExtensions.TryParseWireName(wireName, out var type)
            ? type
            : throw new InvalidOperationException($"Unknown state type '{wireName}' in the store.");
}
