using k8s.Models;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>How a Job ended, read from its conditions (Complete or Failed with status True), and when.</summary>
internal static class KubernetesJobStatus
{
    public static KubernetesJobOutcome Outcome(V1Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var conditions = job.Status?.Conditions ?? [];
        if (conditions.Any(c => c is { Type: "Complete", Status: "True" }))
        {
            return KubernetesJobOutcome.Succeeded;
        }

        return conditions.Any(c => c is { Type: "Failed", Status: "True" }) ? KubernetesJobOutcome.Failed : KubernetesJobOutcome.Active;
    }

    public static DateTimeOffset? FinishedAt(V1Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var time = job.Status?.CompletionTime
            ?? job.Status?.Conditions?.Where(c => c is { Type: "Failed" or "Complete", Status: "True" }).Select(c => c.LastTransitionTime).FirstOrDefault(t => t is not null);
        return time is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    public static string FailureMessage(V1Job job) =>
        job.Status?.Conditions?.FirstOrDefault(c => c is { Type: "Failed", Status: "True" }) is { } failed
            ? string.Join(": ", new[] { failed.Reason, failed.Message }.Where(s => !string.IsNullOrEmpty(s)))
            : "no reason given";
}

/// <summary>Whether a Job still runs or how it ended.</summary>
internal enum KubernetesJobOutcome
{
    Active,
    Succeeded,
    Failed,
}
