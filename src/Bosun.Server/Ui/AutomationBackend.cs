using Bosun.Contracts.Automations;
using Bosun.Server.Orchestration.Automations;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class AutomationBackend(AutomationService automations) : IAutomationBackend
{
    public Task<IReadOnlyList<Automation>> ListAsync(CancellationToken cancellationToken) => Call(() => automations.ListAsync(cancellationToken));

    public Task<Automation> GetAsync(string name, CancellationToken cancellationToken) => Call(() => automations.GetAsync(name, cancellationToken));

    public Task<Automation> CreateAsync(AutomationCreate request, CancellationToken cancellationToken) => Call(() => automations.CreateAsync(request, cancellationToken));

    public Task<Automation> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe(enabled ? "ResumeAutomation" : "PauseAutomation", $"name={name}");
            return automations.SetEnabledAsync(name, enabled, cancellationToken);
        });

    public Task<IReadOnlyList<AutomationDelivery>> HistoryAsync(string name, CancellationToken cancellationToken) =>
        Call(() => automations.HistoryAsync(name, 50, cancellationToken));
}
