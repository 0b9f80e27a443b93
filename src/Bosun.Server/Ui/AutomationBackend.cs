using Bosun.Contracts.Automations;
using Bosun.Server.Orchestration.Automations;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class AutomationBackend(AutomationService automations) : IAutomationBackend
{
    public Task<IReadOnlyList<Automation>> ListAsync(CancellationToken cancellationToken) => Call(() => automations.ListAsync(cancellationToken));

    public Task<Automation> GetAsync(string name, CancellationToken cancellationToken) => Call(() => automations.GetAsync(name, cancellationToken));

    public Task<Automation> CreateAsync(AutomationCreate request, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("CreateAutomation", $"fields: name=\"{request.Name}\", trigger, actions[{request.Actions.Count}]");
            return (await automations.CreateAsync(request, null, cancellationToken)).Automation;
        });

    public Task<Automation> UpdateAsync(string name, AutomationUpdate update, CancellationToken cancellationToken) =>
        Call(() =>
        {
            // The fields given, as the API's audit names them; a webhook's URL may carry a token, so no action's values.
            var fields = new List<string>();
            if (update.Name is not null)
            {
                fields.Add($"name=\"{update.Name}\"");
            }

            if (update.Trigger is not null)
            {
                fields.Add("trigger");
            }

            if (update.Actions is not null)
            {
                fields.Add($"actions[{update.Actions.Count}]");
            }

            if (update.Description is not null)
            {
                fields.Add("description");
            }

            if (update.Enabled is not null)
            {
                fields.Add("enabled");
            }

            UiChangeLog.Describe("UpdateAutomation", $"name={name}" + (fields.Count > 0 ? $"; fields: {string.Join(", ", fields)}" : ""));
            return automations.UpdateAsync(name, update, cancellationToken);
        });

    public Task<Automation> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe(enabled ? "ResumeAutomation" : "PauseAutomation", $"name={name}");
            return automations.SetEnabledAsync(name, enabled, cancellationToken);
        });

    public Task<IReadOnlyList<AutomationDelivery>> HistoryAsync(string name, CancellationToken cancellationToken) =>
        Call(() => automations.HistoryAsync(name, 50, cancellationToken));
}
