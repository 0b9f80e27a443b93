using System.Text.Json.Nodes;

namespace Bosun.Contracts.Results;

/// <summary>A flow run's return value, sent by its flow-run process before it reports COMPLETED.</summary>
/// <param name="Value">The value as JSON (absent or null for a null value).</param>
public sealed record ResultWrite(JsonNode? Value)
{
    /// <summary>The serializer that wrote <see cref="Value"/> (<c>json</c> when absent; <c>gzip-json</c>: a base64 string of gzip-compressed JSON).</summary>
    public string? Serializer { get; init; }
}
