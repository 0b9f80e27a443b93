using Bosun.Server.Ui.Components;
using Microsoft.AspNetCore.DataProtection;

namespace Bosun.Server.Ui;

/// <summary>The web UI: Razor components rendered interactively on the server, talking to the browser over SignalR.</summary>
internal static class BosunUi
{
    public static IServiceCollection AddBosunUi(this IServiceCollection services)
    {
        // The UI protects only what lives as long as the process (circuit state, component markers, session cookies), so
        // in-memory keys suffice and nothing is written to ~/.aspnet: a restarted server asks people to sign in again. A
        // host that configured data protection itself keeps its own.
        if (!services.Any(service => service.ServiceType == typeof(IDataProtectionProvider)))
        {
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
        }

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddUiSessions();
        return services;
    }

    /// <summary>
    /// Maps the UI's pages, its static files, the Blazor hub (/_blazor) and sign-in. Every UI route lives outside /api;
    /// with authentication on, all of them but sign-in and the plain assets need a session (<see cref="UiGate"/>).
    /// </summary>
    public static WebApplication MapBosunUi(this WebApplication app)
    {
        app.UseMiddleware<UiGate>();
        app.UseAntiforgery();
        UiAssets.Map(app);
        UiSessions.Map(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
