using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;

namespace Bosun.Sdk;

/// <summary>
/// <c>bosun deploy</c>'s half inside the user's executable: the CLI validates <c>bosun.yaml</c>, writes the chosen
/// deployments as JSON (the file's own shape) and starts the executable with <c>BOSUN_DEPLOY_FILE</c> naming it; here
/// each becomes a <see cref="FlowDefinition.DeployAsync"/> of the flow it names, so the parameter schema comes from the
/// method itself and the image is built from this project, as a deploy from code does.
/// </summary>
internal static class DeployFile
{
    public const string Variable = "BOSUN_DEPLOY_FILE";

    public static async Task<int> RunAsync(string path, FlowRegistry flows, CancellationToken cancellationToken)
    {
        try
        {
            var document = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) as JsonObject
                ?? throw new DeploymentException($"{path} is not a JSON object.");
            using var client = new BosunClient(BosunClientOptions.FromEnvironment());
            foreach (var entry in document["deployments"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                var flowName = Text(entry, "flow") ?? throw new DeploymentException("a deployment names no flow.");
                var flow = flows.Find(flowName)
                    ?? throw new DeploymentException($"flow '{flowName}' is not among this executable's flows ({string.Join(", ", flows.Names)}).");
                var pool = Text(entry["work_pool"] as JsonObject, "name") ?? throw new DeploymentException($"deployment '{Text(entry, "name")}' names no work_pool.name.");
                await flow.DeployAsync(Text(entry, "name")!, pool, Options(entry) with { Client = client }, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }
        catch (Exception ex) when (ex is DeploymentException or BosunApiException or BosunServerUnreachableException or JsonException or IOException)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>One deployment of <c>bosun.yaml</c> (already checked against its schema) as deploy options.</summary>
    public static DeployOptions Options(JsonObject entry)
    {
        var pool = entry["work_pool"] as JsonObject;
        var (limit, strategy) = entry["concurrency_limit"] switch
        {
            JsonObject limits => ((int?)limits["limit"]?.GetValue<long>(), Enum<CollisionStrategy>(Text(limits, "collision_strategy")) ?? CollisionStrategy.Enqueue),
            JsonValue number => ((int?)number.GetValue<long>(), CollisionStrategy.Enqueue),
            _ => ((int?)null, CollisionStrategy.Enqueue),
        };
        var build = entry["build"] as JsonObject;
        return new DeployOptions
        {
            WorkQueue = Text(pool, "work_queue_name"),
            JobVariables = pool?["job_variables"]?.DeepClone() as JsonObject,
            Parameters = entry["parameters"]?.DeepClone() as JsonObject,
            Tags = entry["tags"]?.AsArray().Select(tag => tag!.ToString()).ToList(),
            Description = Text(entry, "description"),
            Version = Text(entry, "version"),
            Paused = entry["paused"]?.GetValue<bool>() ?? false,
            ConcurrencyLimit = limit,
            CollisionStrategy = strategy,
            Schedules = entry["schedules"]?.AsArray().OfType<JsonObject>().Select(Schedule).ToList(),
            CatchUp = Enum<CatchUpPolicy>(Text(entry, "catch_up")) ?? CatchUpPolicy.All,
            Command = Text(entry, "command"),
            PullSteps = entry["pull"]?.DeepClone() as JsonArray,
            Image = build is null ? null : new DeploymentImage(Text(build, "image")!, Text(build, "tag"), Text(build, "dockerfile")),
            Push = build?["push"]?.GetValue<bool>() ?? true,
        };
    }

    private static ScheduleSpec Schedule(JsonObject schedule) => new(
        Text(schedule, "cron"),
        schedule["interval"]?.GetValue<double>(),
        Text(schedule, "anchor_date") is { } anchor ? DateTimeOffset.Parse(anchor, CultureInfo.InvariantCulture) : null,
        Text(schedule, "rrule"),
        Text(schedule, "timezone"),
        schedule["active"]?.GetValue<bool>() ?? true,
        schedule["parameters"]?.DeepClone() as JsonObject);

    private static TEnum? Enum<TEnum>(string? name) where TEnum : struct, Enum =>
        name is null ? null : EnumNames.TryParse<TEnum>(name, out var value) ? value : throw new DeploymentException($"'{name}' is not one of {EnumNames.List<TEnum>()}.");

    private static string? Text(JsonObject? obj, string name) => obj?[name] is JsonValue value ? value.ToString() : null;
}
