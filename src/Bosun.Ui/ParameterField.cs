using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Ui;

/// <summary>How a parameter is edited in the run form, chosen from its JSON Schema.</summary>
internal enum ParameterInput
{
    Text,
    Integer,
    Number,
    Checkbox,
    Choice,
    Json,
}

/// <summary>
/// One field of the run form generated from a deployment's parameter schema: its input kind, the text the person
/// typed, and the conversion back to a JSON value with a message when the text does not fit the type.
/// </summary>
public sealed class ParameterField
{
    private ParameterField(string name, JsonObject? schema, ParameterInput input, bool required, bool nullable, IReadOnlyList<JsonNode?>? choices = null)
    {
        Name = name;
        Schema = schema;
        Input = input;
        Required = required;
        Nullable = nullable;
        Choices = choices ?? (schema?["enum"] is JsonArray values ? [.. values] : []);
    }

    public string Name { get; }

    public JsonObject? Schema { get; }

    internal ParameterInput Input { get; }

    public bool Required { get; }

    public bool Nullable { get; }

    /// <summary>The text of text, number, choice and JSON inputs (for a choice: the option's index).</summary>
    public string Text { get; set; } = "";

    public bool Checked { get; set; }

    /// <summary>The form's own message, or one the server's 422 answer put on this parameter.</summary>
    public string? Error { get; set; }

    public string Id => "param-" + string.Concat(Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));

    public IReadOnlyList<JsonNode?> Choices { get; }

    public string Description => SchemaText.Describe(Schema, Name);

    public string TypeText => SchemaText.TypeOf(Schema);

    /// <summary>The fields of <paramref name="schema"/>, filled from the deployment's default parameters, then the schema's defaults.</summary>
    public static IReadOnlyList<ParameterField> FromSchema(JsonObject? schema, JsonObject defaults)
    {
        if (schema?["properties"] is not JsonObject properties)
        {
            return [];
        }

        var required = (schema["required"] as JsonArray)?.Select(n => n?.ToString()).ToHashSet() ?? [];
        var fields = new List<ParameterField>();
        foreach (var (name, node) in properties)
        {
            var property = node as JsonObject;
            var (input, nullable) = InputFor(property);
            var field = new ParameterField(name, property, input, required.Contains(name), nullable);
            if (defaults.TryGetPropertyValue(name, out var value) || (property is not null && property.TryGetPropertyValue("default", out value)))
            {
                field.Fill(value);
            }

            fields.Add(field);
        }

        return fields;
    }

    /// <summary>
    /// The fields of <paramref name="schema"/> for editing a deployment's parameter defaults: filled from
    /// <paramref name="defaults"/> only (a field left empty has no default, so the schema's own default is not copied in),
    /// and a boolean is a choice of true, false or not set, as a checkbox could not say "no default". Null when the schema
    /// has no properties: the page edits the defaults as JSON then.
    /// </summary>
    public static IReadOnlyList<ParameterField>? ForDefaults(JsonObject? schema, JsonObject defaults)
    {
        if (schema?["properties"] is not JsonObject { Count: > 0 } properties)
        {
            return null;
        }

        var fields = new List<ParameterField>();
        foreach (var (name, node) in properties)
        {
            var property = node as JsonObject;
            var (input, nullable) = InputFor(property);
            var field = input == ParameterInput.Checkbox
                ? new ParameterField(name, property, ParameterInput.Choice, required: false, nullable, [JsonValue.Create(true), JsonValue.Create(false)])
                : new ParameterField(name, property, input, required: false, nullable);
            if (defaults.TryGetPropertyValue(name, out var value))
            {
                field.Fill(value);
            }

            fields.Add(field);
        }

        return fields;
    }

    /// <summary>The object the fields make (left-empty fields omitted); each field that cannot be read gets its <see cref="Error"/>.</summary>
    public static JsonObject Read(IReadOnlyList<ParameterField> fields)
    {
        var values = new JsonObject();
        foreach (var field in fields)
        {
            if (field.TryRead(out var value, out var omit) && !omit)
            {
                values[field.Name] = value;
            }
        }

        return values;
    }

    /// <summary>Puts one of the server's 422 messages on the field it names (by a "name:" prefix, else a quoted name), so the person sees where to look.</summary>
    public static void Attach(IReadOnlyList<ParameterField> fields, string message)
    {
        var field = fields.FirstOrDefault(f => message.StartsWith(f.Name + ":", StringComparison.Ordinal))
            ?? fields.FirstOrDefault(f => message.Contains($"\"{f.Name}\"", StringComparison.Ordinal) || message.Contains($"'{f.Name}'", StringComparison.Ordinal));
        if (field is not null)
        {
            field.Error = field.Error is null ? message : $"{field.Error} {message}";
        }
    }

    /// <summary>
    /// The JSON value to send, or <c>Omit</c> when the field is left empty (the deployment's default, if any, then applies
    /// on the server; a missing required parameter is the server's 422 to report).
    /// </summary>
    public bool TryRead(out JsonNode? value, out bool omit)
    {
        value = null;
        omit = false;
        Error = null;
        var text = Text.Trim();
        switch (Input)
        {
            case ParameterInput.Checkbox:
                value = JsonValue.Create(Checked);
                return true;
            case ParameterInput.Choice:
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < Choices.Count)
                {
                    value = Choices[index]?.DeepClone();
                    return true;
                }

                omit = true;
                return true;
        }

        if (text.Length == 0)
        {
            omit = true;
            return true;
        }

        switch (Input)
        {
            case ParameterInput.Integer:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    value = JsonValue.Create(whole);
                    return true;
                }

                Error = $"'{text}' is not a whole number; {Name} takes an integer such as 3.";
                return false;
            case ParameterInput.Number:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                {
                    value = JsonValue.Create(number);
                    return true;
                }

                Error = $"'{text}' is not a number; {Name} takes a number such as 2.5.";
                return false;
            case ParameterInput.Json:
                try
                {
                    value = JsonNode.Parse(text);
                    return true;
                }
                catch (JsonException ex)
                {
                    Error = $"Not valid JSON: {ex.Message}";
                    return false;
                }

            default:
                value = JsonValue.Create(Text);
                return true;
        }
    }

    private void Fill(JsonNode? value)
    {
        switch (Input)
        {
            case ParameterInput.Checkbox:
                Checked = value is JsonValue flag && flag.TryGetValue<bool>(out var on) && on;
                break;
            case ParameterInput.Choice:
                var index = Choices.Select((choice, i) => (choice, i)).FirstOrDefault(c => JsonNode.DeepEquals(c.choice, value), (null, -1)).i;
                Text = index < 0 ? "" : index.ToString(CultureInfo.InvariantCulture);
                break;
            case ParameterInput.Json:
                Text = value is null ? "" : UiText.Json(value);
                break;
            default:
                Text = value is null ? "" : SchemaText.Compact(value);
                break;
        }
    }

    private static (ParameterInput Input, bool Nullable) InputFor(JsonObject? property)
    {
        if (property is null)
        {
            return (ParameterInput.Json, true);
        }

        var types = property["type"] switch
        {
            JsonValue single => [single.ToString()],
            JsonArray several => several.Select(t => t?.ToString() ?? "").ToList(),
            _ => new List<string>(),
        };
        var nullable = types.Count == 0 || types.Contains("null");
        types.Remove("null");
        if (property["enum"] is JsonArray)
        {
            return (ParameterInput.Choice, nullable);
        }

        return types switch
        {
            ["string"] => (ParameterInput.Text, nullable),
            ["integer"] => (ParameterInput.Integer, nullable),
            ["number"] => (ParameterInput.Number, nullable),
            ["boolean"] => (ParameterInput.Checkbox, nullable),
            _ => (ParameterInput.Json, nullable),
        };
    }
}
