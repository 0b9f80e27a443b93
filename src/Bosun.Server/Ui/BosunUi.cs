using Bosun.Server.Ui.Components;
using Microsoft.AspNetCore.DataProtection;

namespace Bosun.Server.Ui;

/// <summary>The web UI: Razor components rendered interactively on the server, talking to the browser over SignalR.</summary>
internal static class BosunUi
{
    public static IServiceCollection AddBosunUi(this IServiceCollection services)
    {
        // The UI protects only what lives as long as the process (circuit state, component markers), so in-memory keys
        // suffice and nothing is written to ~/.aspnet. A host that configured data protection itself keeps its own.
        if (!services.Any(service => service.ServiceType == typeof(IDataProtectionProvider)))
        {
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
        }

        services.AddRazorComponents().AddInteractiveServerComponents();
        return services;
    }

    /// <summary>Maps the UI's pages, its static files and the Blazor hub (/_blazor). Every UI route lives outside /api.</summary>
    public static WebApplication MapBosunUi(this WebApplication app)
    {
        app.UseAntiforgery();
        UiAssets.Map(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
