using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Domain;

namespace Bosun.Server.Orchestration.Deployments;

/// <summary>
/// Refuses pull steps a worker could not run (docs/deployments-as-code.md) when the deployment is saved, rather than
/// crashing each of its runs later.
/// </summary>
internal static partial class PullStepValidator
{
    private static readonly Dictionary<string, string[]> RequiredFields = new(StringComparer.Ordinal)
    {
        [PullStepTypes.GitClone] = ["repository"],
        [PullStepTypes.SetWorkingDirectory] = ["directory"],
        [PullStepTypes.RunCommand] = ["command"],
        [PullStepTypes.Download] = [],
        [PullStepTypes.DotnetPublish] = [],
        [PullStepTypes.DotnetBuild] = [],
    };

    public static void Validate(JsonArray? steps, string field)
    {
        if (steps is null)
        {
            return;
        }

        var errors = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var at = $"step {i + 1}";
            if (steps[i] is not JsonObject { Count: 1 } step || step.First() is not (var type, JsonObject fields))
            {
                errors.Add($"{at} must be an object with one key, the step type ({string.Join(", ", PullStepTypes.All)}), holding its fields");
                continue;
            }

            if (!RequiredFields.TryGetValue(type, out var required))
            {
                errors.Add($"{at}: '{type}' is not a pull step; use one of {string.Join(", ", PullStepTypes.All)}");
                continue;
            }

            foreach (var name in required.Where(name => fields[name] is not JsonValue value || !value.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text)))
            {
                errors.Add($"{at} ({type}) needs '{name}'");
            }

            if (type == PullStepTypes.Download && (fields["url"] is null) == (fields["path"] is null))
            {
                errors.Add($"{at} (download) needs exactly one of 'url' or 'path'");
            }

            if (fields["id"] is { } id && (id is not JsonValue idValue || !idValue.TryGetValue<string>(out var idText) || !StepId().IsMatch(idText) || idText is "env" or "secret" || !ids.Add(idText)))
            {
                errors.Add($"{at} ({type}): 'id' must be unique among the steps, made of letters, digits, '-' and '_', and not 'env' or 'secret'");
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(field, errors);
        }
    }

    /// <summary>Pull steps prepare a worker's machine; an image (docker, kubernetes) carries its code already.</summary>
    public static void RequireProcessPool(JsonArray? steps, string? poolType, string field)
    {
        if (steps is { Count: > 0 } && poolType != WorkPoolTypes.Process)
        {
            throw new ValidationException(field, [poolType is null
                ? "a served deployment runs where it is served: it has no pull steps"
                : $"pull steps run on process pools; a {poolType} pool runs an image that carries its code (build and push it instead)"]);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex StepId();
}
