using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Security;

namespace Bosun.Sdk;

/// <summary>
/// <c>bosun deploy</c>'s half inside the user's executable: the CLI validates <c>bosun.yaml</c>, writes the chosen
/// deployments as JSON (the file's own shape) and starts the executable with <c>BOSUN_DEPLOY_FILE</c> naming it; here
/// each becomes a <see cref="FlowDefinition.DeployAsync"/> of the flow it names, so the parameter schema comes from the
/// method itself and the image is built from this project, as a deploy from code does.
/// </summary>
internal static class DeployFile
{
    /// <summary>Reads secrets' values for a deploy-time step, with what they are read for.</summary>
    public delegate Task<IReadOnlyDictionary<string, string>> SecretReader(IReadOnlyList<string> names, string reason, CancellationToken cancellationToken);

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
                var (deployment, image) = await BuildAndPushAsync(entry, Console.Out, (names, reason, ct) => ReadSecretsAsync(client, names, reason, ct), cancellationToken).ConfigureAwait(false);
                var options = Options(deployment) with { Client = client };
                if (image is not null)
                {
                    var variables = options.JobVariables ?? [];
                    variables["image"] ??= image;
                    // What the container runs, not a path on this machine: the deployment shows where its code is.
                    options = options with
                    {
                        JobVariables = variables,
                        Command = options.Command ?? await ImageBuilds.EntrypointAsync(image, cancellationToken).ConfigureAwait(false),
                    };
                }

                await flow.DeployAsync(Text(entry, "name")!, pool, options, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }
        catch (Exception ex) when (ex is DeploymentException or BosunApiException or BosunServerUnreachableException or JsonException or IOException)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// The deploy-time steps of one deployment: <c>build</c> (an image from the project) then <c>push</c> (to its registry),
    /// each step's outputs rendered into the fields after it (<c>{{ build-image.image }}</c>). Returns the deployment with
    /// those references filled in and the image to record (the pushed one, else the built one), or null without a build.
    /// <c>{{ secret.NAME }}</c> in these two steps is read through <paramref name="readSecrets"/> (the deploying key),
    /// used for the step and never written out; references to other ids, and secrets elsewhere, are left as they are:
    /// the worker resolves pull steps' outputs and job variables' secrets at run time.
    /// </summary>
    public static async Task<(JsonObject Deployment, string? Image)> BuildAndPushAsync(
        JsonObject entry, TextWriter output, SecretReader? readSecrets, CancellationToken cancellationToken)
    {
        var outputs = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var names = StepOutputs.SecretNames(new JsonArray(entry["build"]?.DeepClone(), entry["push"]?.DeepClone()));
        IReadOnlyDictionary<string, string> secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (names.Count > 0)
        {
            var (inBuild, inPush) = (StepOutputs.SecretNames(entry["build"]).Count > 0, StepOutputs.SecretNames(entry["push"]).Count > 0);
            var step = inBuild && inPush ? "build and push steps" : inBuild ? "build step" : "push step";
            secrets = readSecrets is null
                ? throw new DeploymentException($"{{{{ secret.{names[0]} }}}}: secrets in the build and push steps are read from the server by `bosun deploy`.")
                : await readSecrets(names, $"bosun deploy of '{Text(entry, "flow")}/{Text(entry, "name")}': {step}", cancellationToken).ConfigureAwait(false);
            output.WriteLine($"Read the secret{(names.Count == 1 ? "" : "s")} {string.Join(", ", names.Select(n => $"'{n}'"))} for the {step}.");
        }

        string? image = null;
        if (entry["build"] is JsonObject rawBuild)
        {
            var build = (JsonObject)StepOutputs.Render(rawBuild, outputs, deployTime: true, secrets)!;
            var built = new DeploymentImage(Text(build, "image")!, Text(build, "tag"), Text(build, "dockerfile"))
            {
                BuildArgs = (build["build_args"] as JsonObject)?.ToDictionary(pair => pair.Key, pair => pair.Value is JsonValue value ? value.ToString() : pair.Value?.ToJsonString() ?? "", StringComparer.Ordinal),
                Platform = Text(build, "platform"),
            };
            var pushWithBuild = entry["push"] is null && (build["push"]?.GetValue<bool>() ?? true);
            image = await ImageBuilds.BuildAsync(built, pushWithBuild, output, cancellationToken).ConfigureAwait(false);
            outputs[Text(build, "id") ?? "build-image"] = new JsonObject { ["image"] = image, ["image_name"] = built.Name, ["tag"] = built.Tag ?? "latest" };
        }

        if (entry["push"] is JsonObject pushStep)
        {
            var push = (JsonObject)StepOutputs.Render(pushStep, outputs, deployTime: true, secrets)!;
            var reference = Text(push, "image") ?? image
                ?? throw new DeploymentException($"deployment '{Text(entry, "name")}' has a push step but no build and no push.image: there is no image to push.");
            var credentials = Text(push, "username") is { } username ? (username, Text(push, "password")!) : ((string, string)?)null;
            await ImageBuilds.PushAsync(reference, credentials, output, cancellationToken).ConfigureAwait(false);
            image = reference;
            outputs[Text(push, "id") ?? "push-image"] = new JsonObject { ["image"] = reference };
        }

        var deployment = new JsonObject(entry.Where(pair => pair.Key is not ("build" or "push")).Select(pair => KeyValuePair.Create(pair.Key, pair.Value?.DeepClone())));
        return ((JsonObject)StepOutputs.Render(deployment, outputs, deployTime: false)!, image);
    }

    /// <summary>Reads secrets' values with the deploying key (<c>POST /api/secrets/read</c>, audited with the names and reason).</summary>
    private static async Task<IReadOnlyDictionary<string, string>> ReadSecretsAsync(BosunClient client, IReadOnlyList<string> names, string reason, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ReadSecretsAsync(new SecretReadRequest(names, reason), cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex)
        {
            throw new DeploymentException($"Reading the secrets {string.Join(", ", names.Select(n => $"'{n}'"))} for {reason} failed: {ex.Message}", ex);
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
