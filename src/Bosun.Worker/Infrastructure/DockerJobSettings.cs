using System.Text;
using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;

namespace Bosun.Worker.Infrastructure;

/// <summary>
/// The rendered job configuration of a docker pool (docs/behaviour.md §5), read and checked before anything is created:
/// a bad value is a <see cref="SubmissionException"/> naming the variable.
/// </summary>
internal sealed record DockerJobSettings(
    string Image,
    ImagePullPolicy PullPolicy,
    DockerRegistryCredentials? RegistryCredentials,
    IReadOnlyList<string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    string Name,
    IReadOnlyList<string>? Command,
    string? NetworkMode,
    IReadOnlyList<string> Networks,
    IReadOnlyList<string> Volumes,
    bool AutoRemove,
    bool StreamOutput,
    long? MemoryLimit,
    long? MemorySwapLimit,
    bool Privileged)
{
    public static DockerJobSettings From(JobContext job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var configuration = job.Configuration;
        var image = job.Text("image")
            ?? throw new SubmissionException("the job has no image: deploy the flow with an image, or set the 'image' job variable");
        var environment = job.MergedEnvironment();
        var labels = new Dictionary<string, string>(job.Labels, StringComparer.Ordinal);
        if (configuration["labels"] is JsonObject rendered)
        {
            foreach (var (key, value) in rendered)
            {
                labels[key] = value is JsonValue text && text.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
            }
        }

        var networks = Strings(configuration, "networks");
        if (networks.Count > 0 && job.Text("network_mode") is not null)
        {
            throw new SubmissionException("set either network_mode or networks, not both");
        }

        var apiUrl = environment.GetValueOrDefault("BOSUN_API_URL");
        return new DockerJobSettings(
            image,
            PullPolicyOf(job.Text("image_pull_policy"), image),
            DockerRegistryCredentials.From(configuration["registry_credentials"]),
            [.. environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={e.Value}")],
            labels,
            ContainerName(job.Text("name") ?? job.Claim.FlowRun.Name),
            job.Text("command") is { } command ? NonEmpty(CommandLine.Split(command)) : null,
            job.Text("network_mode") ?? DefaultNetworkMode(networks, apiUrl),
            networks,
            [.. Strings(configuration, "volumes").Select(CheckVolume)],
            Flag(configuration, "auto_remove", false),
            job.StreamOutput,
            Bytes(configuration, "mem_limit"),
            Bytes(configuration, "memswap_limit"),
            Flag(configuration, "privileged", false));
    }

    /// <summary>Unset: Always for an image tagged latest or untagged, else IfNotPresent (docs/behaviour.md §5).</summary>
    public static ImagePullPolicy PullPolicyOf(string? value, string image)
    {
        if (value is null)
        {
            var reference = ImageReference.Parse(image);
            return reference.Digest is null && reference.Tag is null or "latest" ? ImagePullPolicy.Always : ImagePullPolicy.IfNotPresent;
        }

        return Enum.TryParse<ImagePullPolicy>(value, ignoreCase: true, out var policy) && Enum.IsDefined(policy)
            ? policy
            : throw new SubmissionException($"image_pull_policy '{value}' is not one of Always, IfNotPresent, Never");
    }

    /// <summary>
    /// A name Docker accepts (<c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>): other characters become '-', leading ones that may not
    /// start a name are dropped.
    /// </summary>
    public static string ContainerName(string wanted)
    {
        var name = new StringBuilder(wanted.Length);
        foreach (var c in wanted)
        {
            var allowed = char.IsAsciiLetterOrDigit(c) || (name.Length > 0 && c is '_' or '.' or '-');
            if (allowed)
            {
                name.Append(c);
            }
            else if (name.Length > 0 && name[^1] != '-')
            {
                name.Append('-');
            }
        }

        var result = name.ToString().TrimEnd('-', '.', '_');
        return result.Length >= 2 ? result : $"bosun-flow-run{(result.Length > 0 ? "-" + result : "")}";
    }

    /// <summary>Unset network mode with the API on this machine's loopback: host, or the container could not reach it.</summary>
    public static string? DefaultNetworkMode(IReadOnlyList<string> networks, string? apiUrl) =>
        networks.Count == 0 && Uri.TryCreate(apiUrl, UriKind.Absolute, out var uri) && uri.IsLoopback ? "host" : null;

    /// <summary>"512m", "512mb", "1g", "1.5g", "1024k", "100" (bytes); "-1" means unlimited (memswap only).</summary>
    public static long ParseBytes(string text, string variable)
    {
        var value = text.Trim();
        if (value == "-1")
        {
            return -1;
        }

        return ByteSizes.TryParse(value, out var bytes) && bytes > 0
            ? (long)bytes
            : throw new SubmissionException($"{variable} '{text}' is not a size such as 512m or 2g");
    }

    private static long? Bytes(JsonObject configuration, string variable) => configuration[variable] switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => string.IsNullOrWhiteSpace(text) ? null : ParseBytes(text, variable),
        JsonValue value when value.TryGetValue<long>(out var number) => number,
        null => null,
        var other => throw new SubmissionException($"{variable} must be a size such as 512m, not {other.ToJsonString()}"),
    };

    private static bool Flag(JsonObject configuration, string variable, bool fallback) => configuration[variable] switch
    {
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value when value.TryGetValue<string>(out var text) && bool.TryParse(text, out var parsed) => parsed,
        null => fallback,
        var other => throw new SubmissionException($"{variable} must be true or false, not {other.ToJsonString()}"),
    };

    private static List<string> Strings(JsonObject configuration, string variable) => configuration[variable] switch
    {
        JsonArray items => [.. items.Select(item => item is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new SubmissionException($"{variable} must be a list of strings; {item?.ToJsonString() ?? "null"} is not one"))],
        null => [],
        var other => throw new SubmissionException($"{variable} must be a list of strings, not {other.ToJsonString()}"),
    };

    /// <summary>host:container or host:container:ro|rw, with absolute paths or a named volume on the host side.</summary>
    private static string CheckVolume(string volume)
    {
        var parts = volume.Split(':');
        var valid = parts.Length is 2 or 3
            && parts[0].Length > 0
            && parts[1].StartsWith('/')
            && (parts.Length == 2 || parts[2] is "ro" or "rw");
        return valid ? volume : throw new SubmissionException($"volume '{volume}' is not written host:container or host:container:ro");
    }

    private static IReadOnlyList<string> NonEmpty(IReadOnlyList<string> command) =>
        command.Count > 0 ? command : throw new SubmissionException("the command is empty");
}
