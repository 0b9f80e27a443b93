using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bosun.Contracts;

/// <summary>
/// Reads and writes a contract enum by its name only (<see cref="EnumNames"/>). A number, or a name that is not
/// one of them, is refused with the names to use: <c>{"type": 1}</c> must not quietly mean PENDING.
/// </summary>
/// <typeparam name="TEnum">A contract enum.</typeparam>
public sealed class NamedEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    /// <inheritdoc />
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected one of {EnumNames.List<TEnum>()} as a string, not {Describe(reader.TokenType)}");
        }

        var name = reader.GetString();
        return EnumNames.TryParse<TEnum>(name, out var value)
            ? value
            : throw new JsonException($"'{name}' is not one of {EnumNames.List<TEnum>()}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(EnumNames.Of(value));
    }

    /// <inheritdoc />
    public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Read(ref reader, typeToConvert, options);

    /// <inheritdoc />
    public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(EnumNames.Of(value));
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        _ => token.ToString(),
    };
}
