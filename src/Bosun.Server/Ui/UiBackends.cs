using Bosun.Server.Domain;
using Bosun.Ui.Backend;

namespace Bosun.Server.Ui;

/// <summary>
/// The server's side of the web UI (the Bosun.Ui project): the backends its pages call, implemented over the
/// orchestration services the API uses too, so that the UI and the API answer alike (docs/ui.md).
/// </summary>
internal static class UiBackends
{
    public static IServiceCollection AddUiBackends(this IServiceCollection services)
    {
        services.AddSingleton<IAccessBackend, AccessBackend>();
        services.AddSingleton<IWorkPoolBackend, WorkPoolBackend>();
        services.AddSingleton<IDeploymentBackend, DeploymentBackend>();
        services.AddSingleton<IFlowRunBackend, FlowRunBackend>();
        services.AddSingleton<IRunLogBackend, RunLogBackend>();
        services.AddSingleton<IAutomationBackend, AutomationBackend>();
        services.AddSingleton<IAdminBackend, AdminBackend>();
        services.AddSingleton<ISearchBackend, SearchBackend>();
        services.AddSingleton<IUiChangeLog, UiChangeLog>();
        return services;
    }

    /// <summary>Runs a service call; a refusal (a domain exception) reaches the UI as the problem the API would answer.</summary>
    public static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (DomainException ex)
        {
            throw new BackendProblemException(ex.Title, ex.Message, ex.Errors, ex);
        }
    }
}
