using k8s.Models;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>Where a run's pod is, read from its status: still starting (and why), running, or ended (and how).</summary>
internal readonly record struct PodProgress(PodStage Stage, string? Reason, int? ExitCode, bool Fatal)
{
    /// <summary>Container waiting reasons that no retry by the kubelet will cure: the run fails at once instead of at the start timeout.</summary>
    private static readonly HashSet<string> FatalWaitingReasons = new(StringComparer.Ordinal) { "ErrImageNeverPull", "InvalidImageName" };

    public static PodProgress Read(V1Pod pod, string container)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var status = pod.Status;
        var containerStatus = status?.ContainerStatuses?.FirstOrDefault(c => c.Name == container) ?? status?.ContainerStatuses?.FirstOrDefault();
        if (containerStatus?.State?.Terminated is { } terminated)
        {
            // A pod-level reason (Evicted) says more than its killed container's plain "Error".
            var reason = terminated.Reason is "Completed" or "Error" ? null : terminated.Reason;
            return new(PodStage.Ended, reason is null && status?.Reason is { Length: > 0 } ? Join(status.Reason, status.Message) : Join(reason, terminated.Message),
                terminated.ExitCode, false);
        }

        if (status?.Phase is "Failed" or "Succeeded")
        {
            // Ended without a container exit (evicted, deadline exceeded, node lost).
            return new(PodStage.Ended, Join(status.Reason, status.Message), status.Phase == "Succeeded" ? 0 : null, false);
        }

        if (containerStatus?.State?.Running is not null)
        {
            return new(PodStage.Running, null, null, false);
        }

        if (containerStatus?.State?.Waiting is { Reason: not (null or "ContainerCreating" or "PodInitializing") } waiting)
        {
            return new(PodStage.Starting, Join(waiting.Reason, waiting.Message), null, FatalWaitingReasons.Contains(waiting.Reason));
        }

        var scheduled = status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is { Status: "False" })
        {
            return new(PodStage.Starting, Join(scheduled.Reason, scheduled.Message), null, false);
        }

        return new(PodStage.Starting, null, null, false);
    }

    private static string? Join(string? reason, string? message) => (reason, message) switch
    {
        (null or "", null or "") => null,
        ({ Length: > 0 }, null or "") => reason,
        (null or "", _) => message,
        _ => $"{reason}: {message}",
    };
}

/// <summary>The stages of a run's pod as the worker follows them.</summary>
internal enum PodStage
{
    Starting,
    Running,
    Ended,
}
