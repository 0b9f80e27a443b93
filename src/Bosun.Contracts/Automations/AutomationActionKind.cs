using System.Text.Json.Serialization;

namespace Bosun.Contracts.Automations;

/// <summary>What an automation does when it fires.</summary>
[JsonConverter(typeof(NamedEnumConverter<AutomationActionKind>))]
public enum AutomationActionKind
{
    /// <summary>POST a JSON body (the event, a template, or a Slack/Teams preset) to a URL.</summary>
    [JsonStringEnumMemberName("webhook")] Webhook,
    /// <summary>POST to a notification channel: a webhook URL kept as a secret.</summary>
    [JsonStringEnumMemberName("notify")] Notify,
    /// <summary>Create a run of a deployment with parameters.</summary>
    [JsonStringEnumMemberName("run_deployment")] RunDeployment,
    /// <summary>Pause a deployment (the event's, or the one named).</summary>
    [JsonStringEnumMemberName("pause_deployment")] PauseDeployment,
    /// <summary>Resume a deployment (the event's, or the one named).</summary>
    [JsonStringEnumMemberName("resume_deployment")] ResumeDeployment,
    /// <summary>Pause a work pool (the event's, or the one named).</summary>
    [JsonStringEnumMemberName("pause_work_pool")] PauseWorkPool,
    /// <summary>Resume a work pool (the event's, or the one named).</summary>
    [JsonStringEnumMemberName("resume_work_pool")] ResumeWorkPool,
    /// <summary>Cancel the event's run.</summary>
    [JsonStringEnumMemberName("cancel_run")] CancelRun,
    /// <summary>Schedule the event's (finished) run again.</summary>
    [JsonStringEnumMemberName("retry_run")] RetryRun,
}
