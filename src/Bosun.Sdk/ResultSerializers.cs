using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Sdk;

/// <summary>
/// Writes a flow's or a task's return value for the server to keep, and reads it back (a cache hit, a replay after a
/// suspension, <see cref="FlowContext.RunDeploymentAsync{T}"/>). The server stores what <see cref="Serialize"/> gives, a JSON
/// value, with <see cref="Name"/>, so a reader knows which serializer wrote it. Choose one with
/// <see cref="TaskAttribute.ResultSerializer"/> or <see cref="FlowAttribute.ResultSerializer"/>; the default is
/// <see cref="JsonResultSerializer"/>. An implementation needs a public parameterless constructor.
/// </summary>
public interface IResultSerializer
{
    /// <summary>The name stored with every result it writes, e.g. <c>json</c> or <c>gzip-json</c> (at most 100 characters).</summary>
    string Name { get; }

    /// <summary>The value of type <paramref name="type"/> as the JSON the server keeps.</summary>
    /// <param name="value">The value.</param>
    /// <param name="type">Its declared type.</param>
    JsonNode? Serialize(object? value, Type type);

    /// <summary>Reads back what <see cref="Serialize"/> wrote.</summary>
    /// <param name="stored">The JSON the server kept.</param>
    /// <param name="type">The type to read.</param>
    object? Deserialize(JsonNode? stored, Type type);
}

/// <summary>The default: the value as JSON (System.Text.Json, camelCase), readable as it is in the API, the CLI and the UI.</summary>
public sealed class JsonResultSerializer : IResultSerializer
{
    /// <summary>The stored name, <c>json</c>.</summary>
    public const string SerializerName = "json";

    /// <inheritdoc />
    public string Name => SerializerName;

    /// <inheritdoc />
    public JsonNode? Serialize(object? value, Type type) => JsonSerializer.SerializeToNode(value, type, ParameterSchema.JsonOptions);

    /// <inheritdoc />
    public object? Deserialize(JsonNode? stored, Type type) =>
        stored is null ? (type.IsValueType ? Activator.CreateInstance(type) : null) : stored.Deserialize(type, ParameterSchema.JsonOptions);
}

/// <summary>
/// The value as gzip-compressed JSON, kept as one base64 string: for large, repetitive results (lists of records) that
/// would otherwise go to the result folder. Stored under the name <c>gzip-json</c>.
/// </summary>
public sealed class CompressedJsonResultSerializer : IResultSerializer
{
    /// <summary>The stored name, <c>gzip-json</c>.</summary>
    public const string SerializerName = "gzip-json";

    /// <inheritdoc />
    public string Name => SerializerName;

    /// <inheritdoc />
    public JsonNode? Serialize(object? value, Type type)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, value, type, ParameterSchema.JsonOptions);
        }

        return JsonValue.Create(Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <inheritdoc />
    public object? Deserialize(JsonNode? stored, Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var text = stored?.GetValueKind() == JsonValueKind.String
            ? stored.GetValue<string>()
            : throw new JsonException($"A '{SerializerName}' result is a base64 string; this one is {stored?.GetValueKind().ToString() ?? "null"}.");
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(text)), CompressionMode.Decompress);
        return JsonSerializer.Deserialize(gzip, type, ParameterSchema.JsonOptions);
    }
}

/// <summary>Serializers by type (from an attribute) and by stored name (to read a result back).</summary>
internal static class ResultSerializers
{
    public static IResultSerializer Json { get; } = new JsonResultSerializer();

    public static IResultSerializer Compressed { get; } = new CompressedJsonResultSerializer();

    /// <summary>An instance of <paramref name="type"/>, named by <paramref name="owner"/>'s attribute; null for none.</summary>
    public static IResultSerializer? Create(Type? type, string owner) => type switch
    {
        null => null,
        _ when type == typeof(JsonResultSerializer) => Json,
        _ when type == typeof(CompressedJsonResultSerializer) => Compressed,
        _ when typeof(IResultSerializer).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null =>
            (IResultSerializer)Activator.CreateInstance(type)!,
        _ => throw new ArgumentException($"{owner}: ResultSerializer = typeof({type.Name}) must implement IResultSerializer and have a public parameterless constructor."),
    };

    /// <summary>The serializer that wrote a result stored under <paramref name="name"/>: <paramref name="own"/> when it has that name, else a built-in one; null when unknown.</summary>
    public static IResultSerializer? ForName(string? name, IResultSerializer? own = null) => name switch
    {
        _ when own is not null && own.Name == (name ?? JsonResultSerializer.SerializerName) => own,
        null or JsonResultSerializer.SerializerName => Json,
        CompressedJsonResultSerializer.SerializerName => Compressed,
        _ => null,
    };
}
