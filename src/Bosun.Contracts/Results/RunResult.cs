using System.Text.Json.Nodes;

namespace Bosun.Contracts.Results;

/// <summary>The persisted return value of a flow run or a task run.</summary>
/// <param name="Value">The value as JSON (absent when the value was null).</param>
/// <param name="SizeBytes">Size of its JSON text in UTF-8 bytes.</param>
/// <param name="StoredByReference">True when it was too large for the database row and is kept in the server's result folder.</param>
public sealed record RunResult(JsonNode? Value, long SizeBytes, bool StoredByReference)
{
    /// <summary>The serializer that wrote <see cref="Value"/>: <c>json</c> (the value itself) or another the SDK names, such as <c>gzip-json</c>.</summary>
    public string Serializer { get; init; } = "json";
}
