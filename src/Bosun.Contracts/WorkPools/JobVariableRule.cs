using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bosun.Contracts.WorkPools;

/// <summary>
/// The policy of one job variable of a work pool (docs/security.md, "Job-variable policy"). A constrained value passes
/// when it passes every check the rule gives; an array is checked item by item and an object value by value, so an
/// empty <see cref="Allowed"/> list allows only an unset value or an empty array.
/// </summary>
/// <param name="Mode">Open, constrained or locked.</param>
/// <param name="Allowed">Constrained: the values allowed (compared as JSON).</param>
/// <param name="Pattern">Constrained: a regular expression the whole text value must match, such as <c>/data/[^:]*:.*</c>.</param>
/// <param name="Minimum">Constrained: the least value, a number or a size such as <c>64m</c>.</param>
/// <param name="Maximum">Constrained: the greatest value, a number or a size such as <c>4g</c>.</param>
public sealed record JobVariableRule(
    [property: JsonRequired] JobVariableRuleMode Mode,
    JsonArray? Allowed = null,
    string? Pattern = null,
    JsonNode? Minimum = null,
    JsonNode? Maximum = null);
