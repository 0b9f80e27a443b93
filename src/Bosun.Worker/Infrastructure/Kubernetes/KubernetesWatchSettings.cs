using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// How the worker watches a run's Job, from the rendered job configuration. It is written on the Job as an annotation,
/// so that a worker adopting the Job later watches it as its creator would have.
/// </summary>
internal sealed record KubernetesWatchSettings(
    [property: JsonPropertyName("stream_output")] bool StreamOutput,
    [property: JsonPropertyName("pod_watch_timeout_seconds")] int PodWatchTimeoutSeconds,
    [property: JsonPropertyName("pod_start_timeout_seconds")] int PodStartTimeoutSeconds,
    [property: JsonPropertyName("job_watch_timeout_seconds")] int? JobWatchTimeoutSeconds,
    [property: JsonPropertyName("finished_job_ttl")] int? FinishedJobTtlSeconds,
    [property: JsonPropertyName("memory_limit")] string? MemoryLimit,
    [property: JsonPropertyName("backoff_limit")] int BackoffLimit)
{
    /// <summary>Kubernetes' own default backoffLimit, for a Job whose manifest sets none.</summary>
    public const int KubernetesBackoffLimit = 6;

    public static KubernetesWatchSettings Default { get; } = new(true, 60, 300, null, null, null, KubernetesBackoffLimit);

    public static KubernetesWatchSettings From(JobContext job, string? memoryLimit, int? backoffLimit) => new(
        job.StreamOutput,
        Seconds(job.Configuration, "pod_watch_timeout_seconds") ?? Default.PodWatchTimeoutSeconds,
        Seconds(job.Configuration, "pod_start_timeout_seconds") ?? Default.PodStartTimeoutSeconds,
        Seconds(job.Configuration, "job_watch_timeout_seconds"),
        Seconds(job.Configuration, "finished_job_ttl", minimum: 0),
        memoryLimit,
        backoffLimit ?? KubernetesBackoffLimit);

    public string ToJson() => JsonSerializer.Serialize(this, KubernetesWatchSettingsJson.Default.KubernetesWatchSettings);

    /// <summary>The settings a Job was created with; the defaults for a Job without (readable) ones.</summary>
    public static KubernetesWatchSettings Parse(string? json)
    {
        if (json is null)
        {
            return Default;
        }

        try
        {
            return JsonSerializer.Deserialize(json, KubernetesWatchSettingsJson.Default.KubernetesWatchSettings) ?? Default;
        }
        catch (JsonException)
        {
            return Default;
        }
    }

    private static int? Seconds(JsonObject configuration, string variable, int minimum = 1) => configuration[variable] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<int>(out var seconds) && seconds >= minimum => seconds,
        JsonValue value when value.TryGetValue<string>(out var text) && string.IsNullOrWhiteSpace(text) => null,
        var other => throw new SubmissionException($"{variable} must be a whole number of seconds, {minimum} or more, not {other.ToJsonString()}"),
    };
}

[JsonSerializable(typeof(KubernetesWatchSettings))]
internal sealed partial class KubernetesWatchSettingsJson : JsonSerializerContext;
