using System.Text.Json.Nodes;

namespace Bosun.Kubernetes.Emulator;

/// <summary>
/// Label selectors (<c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k</c>, <c>!k</c>, comma for AND; no set-based <c>in</c>/<c>notin</c>)
/// and the field selectors the API server supports for the modelled resources.
/// </summary>
internal static class Selectors
{
    private static readonly HashSet<string> SupportedFields = new(StringComparer.Ordinal)
    {
        "metadata.name", "metadata.namespace", "involvedObject.name", "involvedObject.kind", "involvedObject.namespace", "involvedObject.uid",
    };

    /// <summary>Null when the selector is one this emulator understands, else the API server's error message.</summary>
    public static string? Problem(string? labelSelector, string? fieldSelector)
    {
        if (labelSelector is not null && (labelSelector.Contains(" in ", StringComparison.Ordinal) || labelSelector.Contains("notin", StringComparison.Ordinal)))
        {
            return "set-based label selectors are not modelled by this emulator";
        }

        foreach (var term in Terms(fieldSelector))
        {
            var field = term.Split("!=")[0].Split('=')[0];
            if (!SupportedFields.Contains(field))
            {
                return $"field label not supported: {field}";
            }
        }

        return null;
    }

    public static bool Matches(JsonObject item, string? labelSelector, string? fieldSelector)
    {
        var labels = item["metadata"]?["labels"] as JsonObject;
        foreach (var term in Terms(labelSelector))
        {
            if (!MatchesTerm(term, key => labels?[key]?.GetValue<string>()))
            {
                return false;
            }
        }

        foreach (var term in Terms(fieldSelector))
        {
            if (!MatchesTerm(term, path => path.Split('.').Aggregate((JsonNode?)item, (node, part) => node?[part])?.GetValue<string>()))
            {
                return false;
            }
        }

        return true;
    }

    private static string[] Terms(string? selector) =>
        string.IsNullOrWhiteSpace(selector) ? [] : selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool MatchesTerm(string term, Func<string, string?> value)
    {
        if (term.Contains("!=", StringComparison.Ordinal))
        {
            var parts = term.Split("!=", 2);
            return value(parts[0]) != parts[1];
        }

        if (term.Contains('=', StringComparison.Ordinal))
        {
            var parts = term.Split('=', 2);
            return value(parts[0]) == parts[1].TrimStart('=');
        }

        return term.StartsWith('!') ? value(term[1..]) is null : value(term) is not null;
    }
}
