using Bosun.Ui.Components;
using Microsoft.AspNetCore.DataProtection;

namespace Bosun.Ui;

/// <summary>
/// The web UI: Razor components prerendered on the server, then interactive over SignalR. It reaches the server through
/// the interfaces in <c>Bosun.Ui.Backend</c>, which the hosting server registers (docs/ui.md).
/// </summary>
public static class BosunUi
{
    /// <summary>Adds the UI's services; the host adds the backends (IAccessBackend, IWorkPoolBackend, ...) itself.</summary>
    public static IServiceCollection AddBosunUi(this IServiceCollection services)
    {
        // A host that configured data protection keeps its own (the Bosun server keeps its keys in its store, so sessions
        // survive restarts and work across replicas). Otherwise in-memory keys, and nothing is written to ~/.aspnet: a
        // restarted host asks people to sign in again.
        if (!services.Any(service => service.ServiceType == typeof(IDataProtectionProvider)))
        {
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
        }

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddSingleton<PrerenderHandoff>();
        services.AddUiSessions();
        return services;
    }

    /// <summary>
    /// Maps the UI's pages, its static files, the Blazor hub (/_blazor) and sign-in. Every UI route lives outside /api;
    /// with authentication on, all of them but sign-in and the plain assets need a session (<see cref="UiGate"/>).
    /// </summary>
    public static WebApplication MapBosunUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<UiGate>();
        app.UseAntiforgery();
        UiAssets.Map(app);
        UiSessions.Map(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
