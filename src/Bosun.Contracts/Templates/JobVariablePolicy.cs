using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts.Templates;

/// <summary>
/// A work pool's job-variable policy: which variables of its base job template deployments and runs may change, and how
/// far. The server checks it when a deployment or run is created or changed, and the worker applies it again before it
/// creates anything, so a policy tightened after a run was created still holds.
/// </summary>
public static class JobVariablePolicy
{
    /// <summary>
    /// The policy a new pool of <paramref name="type"/> gets when it is created without one. Docker: <c>privileged</c> and
    /// <c>network_mode</c> locked to the pool's values, <c>volumes</c> allowed none. Process: <c>working_dir</c> allowed
    /// none (each run gets a fresh temporary directory). Kubernetes: open (the cluster's own admission rules apply).
    /// </summary>
    /// <param name="type">A work pool type.</param>
    /// <returns>A new dictionary, variable name to rule.</returns>
    public static Dictionary<string, JobVariableRule> Defaults(string type) => type switch
    {
        WorkPoolTypes.Docker => new(StringComparer.Ordinal)
        {
            ["privileged"] = new(JobVariableRuleMode.Locked),
            ["network_mode"] = new(JobVariableRuleMode.Locked),
            ["volumes"] = new(JobVariableRuleMode.Constrained, Allowed: []),
        },
        WorkPoolTypes.Process => new(StringComparer.Ordinal)
        {
            ["working_dir"] = new(JobVariableRuleMode.Constrained, Allowed: []),
        },
        _ => new(StringComparer.Ordinal),
    };

    /// <summary>
    /// Problems of a policy against its pool's template: variables the template does not declare, rules of the wrong
    /// shape, patterns that do not compile, bounds that are neither a number nor a size. Empty when it is valid.
    /// </summary>
    /// <param name="policy">The policy.</param>
    /// <param name="variablesSchema">The template's <c>variables</c> schema.</param>
    /// <returns>One message per problem.</returns>
    public static IReadOnlyList<string> Check(IReadOnlyDictionary<string, JobVariableRule> policy, JsonObject? variablesSchema)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var properties = variablesSchema?["properties"] as JsonObject;
        var problems = new List<string>();
        foreach (var (name, rule) in policy)
        {
            if (properties is null || !properties.ContainsKey(name))
            {
                problems.Add($"'{name}' is not a variable of the pool's base job template");
            }

            if (rule is null)
            {
                problems.Add($"'{name}' has no rule");
                continue;
            }

            var hasChecks = rule.Allowed is not null || rule.Pattern is not null || rule.Minimum is not null || rule.Maximum is not null;
            if (rule.Mode != JobVariableRuleMode.Constrained && hasChecks)
            {
                problems.Add($"'{name}' is {Name(rule.Mode)}: allowed, pattern, minimum and maximum belong to a constrained rule");
            }

            if (rule.Mode == JobVariableRuleMode.Constrained && !hasChecks)
            {
                problems.Add($"'{name}' is constrained but gives no allowed list, pattern, minimum or maximum");
            }

            if (rule.Pattern is { } pattern && !TryRegex(pattern, out _))
            {
                problems.Add($"the pattern of '{name}' is not a valid regular expression");
            }

            foreach (var (bound, label) in new[] { (rule.Minimum, "minimum"), (rule.Maximum, "maximum") })
            {
                if (bound is not null && Number(bound) is null)
                {
                    problems.Add($"the {label} of '{name}' is neither a number nor a size such as 4g");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Merges the job variables (<see cref="JobTemplateRenderer.MergeVariables"/>) and checks them against the policy. A
    /// locked variable must keep the pool's value; one that differs is reported and set back. A constrained one must pass
    /// its rule. <paramref name="exemptions"/> (an admin's override for one deployment) holds the values an admin
    /// approved: a locked variable is locked to its approved value, a constrained one passes while it keeps it.
    /// </summary>
    /// <param name="policy">The pool's policy; null or empty means every variable is open.</param>
    /// <param name="variablesSchema">The template's <c>variables</c> schema.</param>
    /// <param name="deploymentVariables">The deployment's job variables.</param>
    /// <param name="runVariables">The run's job variables.</param>
    /// <param name="exemptions">Variable name to the value an admin approved for this deployment, or null.</param>
    /// <returns>The values with locked variables set back, and what was set back or refused.</returns>
    public static JobVariablePolicyOutcome Apply(
        IReadOnlyDictionary<string, JobVariableRule>? policy, JsonObject? variablesSchema, JsonObject? deploymentVariables, JsonObject? runVariables,
        JsonObject? exemptions)
    {
        var values = JobTemplateRenderer.MergeVariables(variablesSchema, deploymentVariables, runVariables);
        if (policy is not { Count: > 0 })
        {
            return new JobVariablePolicyOutcome(values, [], []);
        }

        var poolValues = JobTemplateRenderer.MergeVariables(variablesSchema, exemptions, null);
        var locked = new List<JobVariablePolicyFinding>();
        var refused = new List<JobVariablePolicyFinding>();
        foreach (var (name, rule) in policy.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var value = values[name];
            if (rule.Mode == JobVariableRuleMode.Locked)
            {
                var poolValue = poolValues[name];
                if (!SameValue(value, poolValue))
                {
                    var text = $"locked to {Show(poolValue)}";
                    locked.Add(new JobVariablePolicyFinding(name, text, $"{name} is {text}; {Show(value)} was asked"));
                    if (poolValue is null)
                    {
                        values.Remove(name);
                    }
                    else
                    {
                        values[name] = poolValue.DeepClone();
                    }
                }
            }
            else if (rule.Mode == JobVariableRuleMode.Constrained && !(exemptions?.ContainsKey(name) == true && SameValue(value, poolValues[name])))
            {
                foreach (var item in Items(value))
                {
                    if (Refusal(rule, item) is { } why)
                    {
                        var text = Describe(rule);
                        refused.Add(new JobVariablePolicyFinding(name, text, $"{name} is {text}; {Show(item)} {why}"));
                        break;
                    }
                }
            }
        }

        return new JobVariablePolicyOutcome(values, locked, refused);
    }

    /// <summary>A rule as one line of text: <c>open</c>, <c>locked</c>, <c>constrained to one of [] and at most 4g</c>.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The text.</returns>
    public static string Describe(JobVariableRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Mode != JobVariableRuleMode.Constrained)
        {
            return Name(rule.Mode);
        }

        var parts = new List<string>();
        if (rule.Allowed is { } allowed)
        {
            parts.Add($"one of {allowed.ToJsonString()}");
        }

        if (rule.Pattern is { } pattern)
        {
            parts.Add($"matching \"{pattern}\"");
        }

        if (rule.Minimum is { } minimum)
        {
            parts.Add($"at least {Show(minimum)}");
        }

        if (rule.Maximum is { } maximum)
        {
            parts.Add($"at most {Show(maximum)}");
        }

        return $"constrained to {string.Join(" and ", parts)}";
    }

    private static string Name(JobVariableRuleMode mode) => EnumNames.Of(mode);

    private static bool SameValue(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        _ => JsonNode.DeepEquals(a, b),
    };

    private static IEnumerable<JsonNode> Items(JsonNode? value) => value switch
    {
        null => [],
        JsonArray array => array.OfType<JsonNode>(),
        JsonObject obj => obj.Select(pair => pair.Value).OfType<JsonNode>(),
        _ => [value],
    };

    /// <summary>Why <paramref name="item"/> fails the rule, or null when it passes every check.</summary>
    private static string? Refusal(JobVariableRule rule, JsonNode item)
    {
        if (rule.Allowed is { } allowed && !allowed.Any(candidate => SameValue(candidate, item)))
        {
            return "is not in the allowed list";
        }

        if (rule.Pattern is { } pattern)
        {
            if (item is not JsonValue text || !text.TryGetValue<string>(out var s) || !TryRegex(pattern, out var regex) || !regex!.IsMatch(s))
            {
                return "does not match the pattern";
            }
        }

        if (rule.Minimum is not null || rule.Maximum is not null)
        {
            var number = Number(item);
            if (number is null)
            {
                return "is neither a number nor a size";
            }

            if (rule.Minimum is { } minimum && number < Number(minimum))
            {
                return "is below the minimum";
            }

            if (rule.Maximum is { } maximum && number > Number(maximum))
            {
                return "is above the maximum";
            }
        }

        return null;
    }

    private static bool TryRegex(string pattern, out Regex? regex)
    {
        try
        {
            // The whole value must match: "/data/.*" must not pass "/etc:/x#/data/".
            regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException)
        {
            regex = null;
            return false;
        }
    }

    /// <summary>A JSON number, or a size such as 512m, 4g or 1.5G (binary units, as Docker reads them), as a number.</summary>
    private static decimal? Number(JsonNode node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<decimal>(out var number))
        {
            return number;
        }

        return value.TryGetValue<string>(out var text) && ByteSizes.TryParse(text, out var bytes) ? bytes : null;
    }

    private static string Show(JsonNode? value) => value is null ? "unset" : value.ToJsonString();
}
