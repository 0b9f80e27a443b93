using System.Text;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// Bosun's label and annotation keys on Jobs and pods, and the rules Kubernetes puts on names and label values:
/// a label value is at most 63 characters of <c>[A-Za-z0-9._-]</c> starting and ending alphanumeric, so the exact
/// value (a pool name with spaces, a long worker name) also goes into an annotation of the same key.
/// </summary>
internal static class KubernetesNames
{
    public const string RunIdKey = "io.bosun.flow-run-id";
    public const string RunNameKey = "io.bosun.flow-run-name";
    public const string PoolKey = "io.bosun.work-pool-name";
    public const string WorkerKey = "io.bosun.worker-name";

    /// <summary>The watch settings the Job was created with (JSON), so a worker that adopts it watches it the same way.</summary>
    public const string WatchSettingsKey = "io.bosun.watch-settings";

    /// <summary>The label Kubernetes' Job controller puts on a Job's pods.</summary>
    public const string JobNameLabel = "job-name";

    /// <summary>The container that runs the flow, in the default template.</summary>
    public const string DefaultContainer = "bosun-job";

    /// <summary>Names the worker that watches a Job (empty: nobody, any worker of the pool adopts it).</summary>
    public static void SetWatcher(k8s.Models.V1ObjectMeta metadata, string workerName)
    {
        metadata.Labels ??= new Dictionary<string, string>();
        metadata.Annotations ??= new Dictionary<string, string>();
        metadata.Labels[WorkerKey] = LabelValue(workerName);
        metadata.Annotations[WorkerKey] = workerName;
    }

    public static string LabelValue(string value)
    {
        var text = new StringBuilder(Math.Min(value.Length, 63));
        foreach (var c in value)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        var result = text.ToString();
        result = result.Length > 63 ? result[..63] : result;
        return result.Trim('.', '_', '-');
    }

    /// <summary>
    /// A Job name prefix from free text (a run name, the <c>name</c> variable): lower-case DNS label characters, at most
    /// 57 characters and a dash, so that the 5 random characters the API server appends keep it within 63.
    /// </summary>
    public static string GenerateName(string wanted)
    {
        var text = new StringBuilder(wanted.Length);
        foreach (var c in wanted.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != '-')
            {
                text.Append('-');
            }
        }

        var prefix = text.ToString();
        prefix = (prefix.Length > 57 ? prefix[..57] : prefix).Trim('-');
        return (prefix.Length > 0 ? prefix : "bosun-flow-run") + "-";
    }
}
