using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.WorkPools;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// Carries out one attempt of an action. Webhooks go out with the delivery's id as Idempotency-Key (the same on every
/// retry), under <see cref="BosunServerOptions.AutomationWebhookTimeout"/>; the server's own actions go through the same
/// services as the API, so their rules (state rules, validation) hold.
/// </summary>
internal sealed class AutomationActions(
    DeploymentService deployments, WorkPoolService pools, FlowRunService runs, SecurityService security, TimeProvider timeProvider,
    IOptions<BosunServerOptions> options) : IDisposable
{
    // Redirects are not followed: a webhook URL that redirects elsewhere would send the event where nobody configured it.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<DeliveryOutcome> ExecuteAsync(Guid deliveryId, AutomationAction action, JsonObject payload, CancellationToken cancellationToken)
    {
        try
        {
            return action.Kind switch
            {
                AutomationActionKind.Webhook => await PostAsync(deliveryId, action.Url!, BodyTemplate.Body(action, payload), payload, cancellationToken),
                AutomationActionKind.Notify => await SecretUrlAsync(action.Secret!, cancellationToken) is { } url
                    ? await PostAsync(deliveryId, url, BodyTemplate.Body(action, payload), payload, cancellationToken)
                    : DeliveryOutcome.Refused($"no secret named '{action.Secret}' holds the channel's URL; set it with `bosun secret set {action.Secret}`"),
                AutomationActionKind.RunDeployment => await RunDeploymentAsync(deliveryId, action, payload, cancellationToken),
                AutomationActionKind.PauseDeployment or AutomationActionKind.ResumeDeployment => await PauseDeploymentAsync(action, payload, cancellationToken),
                AutomationActionKind.PauseWorkPool or AutomationActionKind.ResumeWorkPool => await PausePoolAsync(action, payload, cancellationToken),
                AutomationActionKind.CancelRun => Proposed(await runs.CancelAsync(RunId(payload), cancellationToken)),
                AutomationActionKind.RetryRun => await RetryAsync(payload, cancellationToken),
                _ => DeliveryOutcome.Refused($"unknown action {action.Kind}"),
            };
        }
        catch (DomainException ex)
        {
            return DeliveryOutcome.Refused(ex.Message);
        }
    }

    private async Task<DeliveryOutcome> PostAsync(Guid deliveryId, string url, JsonNode body, JsonObject payload, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.AutomationWebhookTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", deliveryId.ToString());
        request.Headers.Add("X-Bosun-Event", payload["event"]?["key"]?.GetValue<string>());
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Bosun", BosunServer.Version));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return DeliveryOutcome.Done(code);
            }

            // 408 and 429 say "later"; 5xx is the receiver's trouble; any other 4xx will not change by trying again.
            return code is 408 or 429 or >= 500
                ? DeliveryOutcome.Retry($"the receiver answered {code} {response.ReasonPhrase}", code)
                : DeliveryOutcome.Refused($"the receiver answered {code} {response.ReasonPhrase}", code);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryOutcome.Retry($"no answer within {options.Value.AutomationWebhookTimeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            return DeliveryOutcome.Retry(ex.Message);
        }
    }

    private async Task<string?> SecretUrlAsync(string name, CancellationToken cancellationToken) => await security.SecretValueAsync(name, cancellationToken);

    private async Task<DeliveryOutcome> RunDeploymentAsync(Guid deliveryId, AutomationAction action, JsonObject payload, CancellationToken cancellationToken)
    {
        var deploymentId = await DeploymentIdAsync(action, payload, cancellationToken);
        var parameters = action.Parameters is null ? null : BodyTemplate.Render(action.Parameters, payload) as JsonObject;
        // The delivery's id as the run's idempotency key: a retried attempt finds the run the first one created.
        await runs.CreateAsync(deploymentId, new FlowRunCreate(Parameters: parameters, IdempotencyKey: $"automation:{deliveryId}"), cancellationToken);
        return DeliveryOutcome.Done();
    }

    private async Task<DeliveryOutcome> PauseDeploymentAsync(AutomationAction action, JsonObject payload, CancellationToken cancellationToken)
    {
        await deployments.SetPausedAsync(await DeploymentIdAsync(action, payload, cancellationToken), action.Kind == AutomationActionKind.PauseDeployment, cancellationToken);
        return DeliveryOutcome.Done();
    }

    private async Task<DeliveryOutcome> PausePoolAsync(AutomationAction action, JsonObject payload, CancellationToken cancellationToken)
    {
        var pool = action.WorkPool ?? Text(payload, "run", "work_pool") ?? Text(payload, "work_pool", "name")
            ?? throw new ValidationException("work_pool", ["the action names no work pool and the event has none"]);
        await pools.SetPoolPausedAsync(pool, action.Kind == AutomationActionKind.PauseWorkPool, cancellationToken);
        return DeliveryOutcome.Done();
    }

    private async Task<DeliveryOutcome> RetryAsync(JsonObject payload, CancellationToken cancellationToken)
    {
        var run = await runs.GetAsync(RunId(payload), cancellationToken);
        if (!run.State.Type.IsTerminal())
        {
            return DeliveryOutcome.Refused($"flow run '{run.Name}' is {run.State.Name}; only a finished run is retried");
        }

        var name = payload["automation"]?["name"]?.GetValue<string>();
        return Proposed(await runs.SetStateAsync(run.Id,
            new StateProposal(StateType.Scheduled, Message: $"retried by automation '{name}'", ScheduledTime: timeProvider.GetUtcNow()), cancellationToken));
    }

    private async Task<Guid> DeploymentIdAsync(AutomationAction action, JsonObject payload, CancellationToken cancellationToken)
    {
        if (action.Deployment is { } address)
        {
            var slash = address.IndexOf('/', StringComparison.Ordinal);
            return (await deployments.GetByNameAsync(address[..slash], address[(slash + 1)..], cancellationToken)).Id;
        }

        var id = Text(payload, "run", "deployment_id") ?? Text(payload, "deployment", "id");
        return Guid.TryParse(id, out var deploymentId)
            ? deploymentId
            : throw new ValidationException("deployment", ["the action names no deployment and the event's run has none"]);
    }

    private static Guid RunId(JsonObject payload) =>
        Guid.TryParse(Text(payload, "run", "id"), out var id) ? id : throw new ValidationException("run", ["the event is not about a flow run"]);

    private static string? Text(JsonObject payload, string section, string field) =>
        payload["event"]?[section] is JsonObject obj && obj[field] is JsonValue value ? value.ToString() : null;

    private static DeliveryOutcome Proposed(SetStateResult result) =>
        result.Status == SetStateStatus.Accept ? DeliveryOutcome.Done() : DeliveryOutcome.Refused($"the run's state was not changed: {result.Reason ?? result.Status.ToString()}");

    public void Dispose() => _http.Dispose();
}
