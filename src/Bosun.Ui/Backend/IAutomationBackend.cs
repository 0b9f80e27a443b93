using Bosun.Contracts.Automations;

namespace Bosun.Ui.Backend;

/// <summary>Automations, as the automation pages read and change them.</summary>
public interface IAutomationBackend
{
    /// <summary>Every automation, by name.</summary>
    Task<IReadOnlyList<Automation>> ListAsync(CancellationToken cancellationToken);

    /// <summary>One automation by name or id.</summary>
    Task<Automation> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates an automation; a problem lists every field that is wrong.</summary>
    Task<Automation> CreateAsync(AutomationCreate request, CancellationToken cancellationToken);

    /// <summary>Changes an automation: the fields given replace its own (PATCH /api/automations/{name}); a problem lists every field that is wrong, 409 a name taken.</summary>
    Task<Automation> UpdateAsync(string name, AutomationUpdate update, CancellationToken cancellationToken);

    /// <summary>Pauses (false) or resumes (true) an automation.</summary>
    Task<Automation> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken);

    /// <summary>The newest deliveries of an automation, with their attempts.</summary>
    Task<IReadOnlyList<AutomationDelivery>> HistoryAsync(string name, CancellationToken cancellationToken);
}
